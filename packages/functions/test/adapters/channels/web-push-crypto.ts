import { createDecipheriv, createECDH, createHmac, randomBytes } from "node:crypto";
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from "jose";

/** A browser's side of a push subscription: the key pair and auth secret a user agent holds. */
export function userAgentKeys() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return { ecdh, p256dh: ecdh.getPublicKey().toString("base64url"), auth: auth.toString("base64url"), authSecret: auth };
}

const hmac = (key: Buffer, data: Buffer) => createHmac("sha256", key).update(data).digest();

/** Decrypts an aes128gcm push body (RFC 8188 + RFC 8291) as the user agent would. */
export function decryptAes128gcm(body: Buffer, ua: ReturnType<typeof userAgentKeys>): string {
  const salt = body.subarray(0, 16);
  const idlen = body[20];
  const senderPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const secret = ua.ecdh.computeSecret(senderPublic);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), ua.ecdh.getPublicKey(), senderPublic]);
  const ikm = hmac(hmac(ua.authSecret, secret), Buffer.concat([keyInfo, Buffer.from([1])]));
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from("Content-Encoding: aes128gcm\0\x01")).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from("Content-Encoding: nonce\0\x01")).subarray(0, 12);
  const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end > 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error("missing last-record padding delimiter");
  return padded.subarray(0, end).toString("utf8");
}

/** Verifies a `vapid t=<jwt>, k=<key>` Authorization header against the expected public key; returns the claims. */
export async function verifyVapid(authorization: string | undefined, publicKey: string) {
  const m = /^vapid t=([^,]+), k=(.+)$/.exec(authorization ?? "");
  if (!m) throw new Error(`not a VAPID authorization: ${authorization}`);
  if (m[2] !== publicKey) throw new Error("VAPID k= is not the configured public key");
  const raw = Buffer.from(publicKey, "base64url");
  const key = await importJWK({ kty: "EC", crv: "P-256", x: raw.subarray(1, 33).toString("base64url"), y: raw.subarray(33, 65).toString("base64url") }, "ES256");
  await jwtVerify(m[1], key);
  return { header: decodeProtectedHeader(m[1]), claims: decodeJwt(m[1]) };
}
