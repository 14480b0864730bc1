"""Signs and verifies with the official Standard Webhooks Python library (PyPI: standardwebhooks).

  sign SECRET MSG_ID BODY   -> prints {"webhook-id", "webhook-timestamp", "webhook-signature"} as JSON
  verify SECRET             -> reads {"headers": {...}, "body": "..."} on stdin; exit 0 if valid, 1 if not
"""
import json
import sys
from datetime import datetime, timezone

from standardwebhooks import Webhook, WebhookVerificationError

mode, secret = sys.argv[1], sys.argv[2]
wh = Webhook(secret)
if mode == "sign":
    msg_id, body = sys.argv[3], sys.argv[4]
    now = datetime.now(tz=timezone.utc)
    print(json.dumps({
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": wh.sign(msg_id, now, body),
    }))
elif mode == "verify":
    req = json.load(sys.stdin)
    try:
        wh.verify(req["body"], req["headers"])
    except WebhookVerificationError as e:
        print(f"refused: {e}")
        sys.exit(1)
    print("verified")
else:
    sys.exit(f"unknown mode {mode}")
