import { generateKeyPairSync } from "node:crypto";
import type { SecretName } from "../../infra/manifest.js";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256", privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

/**
 * Provider settings as a production stage holds them, at their real sizes: a Firebase service
 * account key file is ~2.3 KB (its 2048-bit RSA key alone ~1.7 KB), an APNs .p8 key ~250 bytes.
 */
const fcmServiceAccount = JSON.stringify(
  {
    type: "service_account",
    project_id: "weft-production-4f2a1",
    private_key_id: "0123456789abcdef0123456789abcdef01234567",
    private_key: rsa.privateKey,
    client_email: "firebase-adminsdk-ab12c@weft-production-4f2a1.iam.gserviceaccount.com",
    client_id: "112233445566778899001",
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: "https://oauth2.googleapis.com/token",
    auth_provider_x509_cert_url: "https://www.googleapis.com/oauth2/v1/certs",
    client_x509_cert_url: "https://www.googleapis.com/robot/v1/metadata/x509/firebase-adminsdk-ab12c%40weft-production-4f2a1.iam.gserviceaccount.com",
    universe_domain: "googleapis.com",
  },
  null,
  2,
);

export const realisticSecrets: Record<SecretName, string> = {
  JwtJwksUrl: "https://weft-production.eu.auth0.com/.well-known/jwks.json",
  JwtIssuer: "https://weft-production.eu.auth0.com/",
  JwtAudience: "https://api.weft.example",
  NotifySesFrom: "Weft Notifications <notifications@mail.weft.example>",
  NotifySmsEnabled: "1",
  NotifySmsSenderId: "WEFT",
  NotifySmsOriginationNumber: "+12065550100",
  NotifyVapidPublicKey: "B".repeat(87),
  NotifyVapidPrivateKey: "p".repeat(43),
  NotifyVapidSubject: "mailto:push-admin@weft.example",
  NotifyFcmServiceAccount: fcmServiceAccount,
  NotifyApnsKey: ec.privateKey,
  NotifyApnsKeyId: "ABC123DEFG",
  NotifyApnsTeamId: "DEF123GHIJ",
  NotifyApnsTopic: "com.weft.example.app",
  NotifyApnsSandbox: "",
};
