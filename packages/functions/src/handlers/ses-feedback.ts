import type { SNSEvent } from "aws-lambda";
import { jsonLineSink } from "@weft/core";
import { applyHardFailureAction } from "@weft/core/notify/service/apply-entries";
import { sesFeedbackFromSnsEvent } from "../adapters/channels/ses-feedback.js";
import { wiring } from "../wiring.js";

/**
 * SNS topic of the SES configuration set's bounce and complaint events -> the recipient's
 * email disabled (a permanent bounce: that address; a complaint: email altogether), the same
 * actions a synchronous hard failure takes. SES sends most bounces after accepting the
 * message, so this is how hard bounces are acted on in practice. Idempotent: a redelivered
 * notification disables what is already disabled.
 */
export async function handler(event: SNSEvent): Promise<{ applied: number; skipped: number }> {
  const w = wiring();
  const feedback = sesFeedbackFromSnsEvent(event);
  for (const action of feedback.actions) await applyHardFailureAction(w.notify, action);
  for (const s of feedback.skipped) jsonLineSink({ kind: "ses_feedback_skipped", ...s });
  jsonLineSink({ level: "DEBUG", kind: "ses_feedback", applied: feedback.actions.length, skipped: feedback.skipped.length });
  return { applied: feedback.actions.length, skipped: feedback.skipped.length };
}
