// Reads {"secret", "headers", "body"} on stdin and verifies the delivery
// with the Standard Webhooks library; exits 0 and prints the payload's type
// when the signature is valid, 1 otherwise.
import { Webhook } from "standardwebhooks";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { secret, headers, body } = JSON.parse(input);
try {
  const payload = new Webhook(secret).verify(body, headers);
  console.log(payload.type);
} catch (e) {
  console.error("invalid: " + e.message);
  process.exit(1);
}
