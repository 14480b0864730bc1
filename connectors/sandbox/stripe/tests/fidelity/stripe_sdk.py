"""Fidelity check with Stripe's official Python SDK (pip: stripe==16.1.0) against the sandbox.

Run by tests/fidelity.rs with SANDBOX_BASE_URL, SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET set.
The SDK is used unchanged; only `stripe.api_base` points at the sandbox.
"""

import http.server
import json
import os
import threading
import time
import urllib.request

import stripe

base = os.environ["SANDBOX_BASE_URL"]
stripe.api_key = os.environ["SANDBOX_API_KEY"]
stripe.api_base = base
stripe.max_network_retries = 0
whsec = os.environ["SANDBOX_WEBHOOK_SECRET"]

# A local receiver for the webhook deliveries.
received = []


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8")
        received.append((self.headers.get("Stripe-Signature"), body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
threading.Thread(target=server.serve_forever, daemon=True).start()
hook_url = "http://127.0.0.1:%d/hook" % server.server_address[1]
req = urllib.request.Request(
    base + "/_sandbox/webhook_url",
    data=json.dumps({"url": hook_url, "enabled_events": ["customer.created"]}).encode(),
    headers={"Content-Type": "application/json"},
    method="PUT",
)
urllib.request.urlopen(req).read()

# A customer, with accents and metadata.
customer = stripe.Customer.create(
    email="maelle.perier@exemple.fr", name="Maëlle Périer", metadata={"adherent": "oui"}
)
assert customer.id.startswith("cus_"), customer.id
assert customer.name == "Maëlle Périer"
assert customer.metadata["adherent"] == "oui"
assert stripe.Customer.retrieve(customer.id).email == "maelle.perier@exemple.fr"

# Idempotent creation: the same key gives the same object.
a = stripe.Customer.create(email="idem@exemple.fr", idempotency_key="fidelity-key-1")
b = stripe.Customer.create(email="idem@exemple.fr", idempotency_key="fidelity-key-1")
assert a.id == b.id, (a.id, b.id)

# A payment intent confirmed with a test card.
pi = stripe.PaymentIntent.create(
    amount=2000,
    currency="eur",
    customer=customer.id,
    payment_method="pm_card_visa",
    payment_method_types=["card"],
    confirm=True,
    metadata={"objet": "Adhésion annuelle"},
)
assert pi.status == "succeeded", pi.status
assert pi.latest_charge.startswith("ch_")

# Auto-pagination walks every customer exactly once.
ids = [c.id for c in stripe.Customer.list(limit=3).auto_paging_iter()]
assert len(ids) == len(set(ids)), "duplicates while paginating"
assert customer.id in ids and a.id in ids
state = json.load(urllib.request.urlopen(base + "/_sandbox/state"))
assert len(ids) == len(state["customer"]), (len(ids), len(state["customer"]))

# A refund.
refund = stripe.Refund.create(payment_intent=pi.id)
assert refund.status == "succeeded" and refund.amount == 2000
assert stripe.Charge.retrieve(pi.latest_charge).refunded is True

# Errors are raised as the SDK's typed exceptions.
try:
    stripe.Customer.retrieve("cus_does_not_exist")
    raise AssertionError("expected InvalidRequestError")
except stripe.InvalidRequestError as e:
    assert e.http_status == 404 and e.code == "resource_missing", (e.http_status, e.code)
try:
    stripe.PaymentIntent.create(
        amount=2000, currency="eur", payment_method="pm_card_chargeDeclined", payment_method_types=["card"], confirm=True
    )
    raise AssertionError("expected CardError")
except stripe.CardError as e:
    assert e.code == "card_declined", e.code

# The webhook is verified by the SDK itself.
deadline = time.time() + 30
while not received and time.time() < deadline:
    time.sleep(0.05)
assert received, "no webhook delivered"
signature, payload = received[0]
event = stripe.Webhook.construct_event(payload, signature, whsec)
assert event.type == "customer.created", event.type
assert event.data.object.id == customer.id
try:
    stripe.Webhook.construct_event(payload, signature, "whsec_wrong")
    raise AssertionError("expected SignatureVerificationError")
except stripe.SignatureVerificationError:
    pass

print("OK stripe", stripe.VERSION)
