"""Fidelity check: HelloAsso's official Python SDK (helloasso-python==1.0.8), pointed at the
sandbox, parses every response the hub relies on. The SDK has no OAuth2 helper, so the token is
fetched with a plain form POST to /oauth2/token as HelloAsso's getting-started page describes.

Usage: python helloasso_sdk.py BASE_URL CLIENT_ID CLIENT_SECRET ORGANIZATION_SLUG
"""

import json
import sys
import urllib.parse
import urllib.request
from datetime import datetime, timezone

import helloasso_python as ha
from helloasso_python.api.checkout_api import CheckoutApi
from helloasso_python.api.commandes_api import CommandesApi
from helloasso_python.api.formulaires_api import FormulairesApi
from helloasso_python.api.paiements_api import PaiementsApi
from helloasso_python.api.partenaires_api import PartenairesApi
from helloasso_python.api.utilisateurs_api import UtilisateursApi
from helloasso_python.models.hello_asso_api_v5_models_carts_checkout_payer import (
    HelloAssoApiV5ModelsCartsCheckoutPayer as CheckoutPayer,
)
from helloasso_python.models.hello_asso_api_v5_models_carts_checkout_term import (
    HelloAssoApiV5ModelsCartsCheckoutTerm as CheckoutTerm,
)
from helloasso_python.models.hello_asso_api_v5_models_carts_init_checkout_body import (
    HelloAssoApiV5ModelsCartsInitCheckoutBody as InitCheckoutBody,
)
from helloasso_python.models.results_with_pagination_model_item import ResultsWithPaginationModelItem
from helloasso_python.models.results_with_pagination_model_payment import ResultsWithPaginationModelPayment
from helloasso_python.models.hello_asso_api_v5_models_api_notifications_post_api_url_notification_body import (
    HelloAssoApiV5ModelsApiNotificationsPostApiUrlNotificationBody as NotificationBody,
)


def token(base, client_id, secret, **extra):
    fields = {"client_id": client_id, "client_secret": secret, "grant_type": "client_credentials"}
    fields.update(extra)
    data = urllib.parse.urlencode({k: v for k, v in fields.items() if v is not None}).encode()
    req = urllib.request.Request(base + "/oauth2/token", data=data,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req) as resp:
        return json.load(resp)


def typed(call, model, *args, **kwargs):
    """Calls an SDK operation whose 200 has no declared schema (the SDK then returns None) and
    parses the body with the model HelloAsso's docs name for it."""
    resp = call(*args, **kwargs)
    check(resp.status == 200, "%s answered %s" % (call.__name__, resp.status))
    return model.from_dict(json.loads(resp.data))


def check(cond, what):
    if not cond:
        raise SystemExit("FAILED: " + what)
    print("ok:", what)


def main():
    base, client_id, secret, slug = sys.argv[1:5]
    tok = token(base, client_id, secret)
    check(tok["token_type"] == "bearer" and tok["expires_in"] > 0, "client_credentials token")
    refreshed = token(base, client_id, None, grant_type="refresh_token", refresh_token=tok["refresh_token"])
    check(refreshed["access_token"] != tok["access_token"], "refresh_token grant")

    cfg = ha.Configuration(host=base + "/v5", access_token=refreshed["access_token"])
    with ha.ApiClient(cfg) as client:
        orgs = UtilisateursApi(client).users_me_organizations_get()
        check(orgs[0].organization_slug == slug, "users/me/organizations")

        forms_api = FormulairesApi(client)
        types = forms_api.organizations_organization_slug_form_types_get(slug)
        check({t.value for t in types} >= {"Membership", "Donation", "Event"}, "formTypes")
        forms = forms_api.organizations_organization_slug_forms_get(slug, page_size=10)
        check(len(forms.data) == 3 and forms.pagination.page_index == 1, "forms list")
        public = forms_api.organizations_organization_slug_forms_form_type_form_slug_public_get(
            slug, "Membership", "adhesion-2026")
        labels = [f.label for f in public.tiers[0].custom_fields]
        check("Date de naissance" in labels and "Commune" in labels, "membership form with custom fields")

        orders_api = CommandesApi(client)
        seen, cont, pages = set(), None, 0
        while True:
            page = orders_api.organizations_organization_slug_orders_get(
                slug, page_size=100, continuation_token=cont, with_details=True)
            if not page.data:
                break
            pages += 1
            seen.update(o.id for o in page.data)
            cont = page.pagination.continuation_token
        counted = orders_api.organizations_organization_slug_orders_get(slug, page_size=100, with_count=True)
        check(len(seen) == counted.pagination.total_count and pages == counted.pagination.total_pages,
              "orders walked by continuationToken (%d orders, %d pages)" % (len(seen), pages))
        window = orders_api.organizations_organization_slug_orders_get(
            slug, var_from=datetime(2026, 3, 1, tzinfo=timezone.utc), to=datetime(2026, 4, 1, tzinfo=timezone.utc))
        check(all(datetime(2026, 2, 28, tzinfo=timezone.utc) < o.var_date for o in window.data), "date filter")
        first = page_first = orders_api.organizations_organization_slug_orders_get(slug, with_details=True).data[0]
        detail = orders_api.orders_order_id_get(first.id)
        check(detail.id == first.id and detail.payer.email == page_first.payer.email, "order detail")
        item = orders_api.items_item_id_get(detail.items[0].id, with_details=True)
        check(item.order.id == first.id, "item detail")
        items = typed(orders_api.organizations_organization_slug_items_get_without_preload_content,
                      ResultsWithPaginationModelItem, slug, tier_types=["Registration"], with_details=True)
        check(items.data and all(i.type.value == "Registration" for i in items.data), "items list")

        pay_api = PaiementsApi(client)
        payments = typed(pay_api.organizations_organization_slug_payments_get_without_preload_content,
                         ResultsWithPaginationModelPayment, slug, states=["Authorized"], page_size=50)
        check(payments.data and all(p.state.value == "Authorized" for p in payments.data), "payments list")
        target = payments.data[0]
        refund = pay_api.payments_payment_id_refund_post(target.id, comment="test SDK", cancel_order=True)
        check(refund.amount == target.amount and refund.payment_id == target.id, "refund")
        after = pay_api.payments_payment_id_get(target.id)
        check(after.state.value == "Refunded" and len(after.refund_operations) == 1, "refunded payment")
        try:
            pay_api.payments_payment_id_refund_post(target.id)
            check(False, "second refund refused")
        except ha.ApiException as e:
            check(e.status == 409, "second refund refused with 409")

        checkout = CheckoutApi(client)
        intent = checkout.organizations_organization_slug_checkout_intents_post(slug, InitCheckoutBody(
            total_amount=6000, initial_amount=2000, item_name="Adhésion + ateliers", back_url="https://example.org/b",
            error_url="https://example.org/e", return_url="https://example.org/r", contains_donation=False,
            terms=[CheckoutTerm(amount=4000, date=datetime(2027, 1, 5, tzinfo=timezone.utc))],
            payer=CheckoutPayer(first_name="Zoé", last_name="Lefèvre", email="zoe.lefevre@exemple.fr"),
            metadata={"reference": "SDK-1"}))
        check(intent.id > 0 and intent.redirect_url, "checkout intent created")
        req = urllib.request.Request("%s/_sandbox/checkout-intents/%d/pay" % (base, intent.id), data=b"{}",
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req).read()
        paid = checkout.organizations_organization_slug_checkout_intents_checkout_intent_id_get(slug, intent.id)
        check(paid.order.checkout_intent_id == intent.id and paid.order.payer.first_name == "Zoé"
              and paid.order.payments[0].amount == 2000 and paid.metadata == {"reference": "SDK-1"},
              "checkout intent paid (order, payer, first term, metadata)")

        partners = PartenairesApi(client)
        reg = partners.partners_me_api_notifications_put(NotificationBody(url="https://example.org/notifications"))
        check(reg.url == "https://example.org/notifications" and len(reg.signature_key) == 64, "notification URL")
        me = partners.partners_me_get()
        check(len(me.url_notification_list) == 1, "partners/me")

    bad = ha.Configuration(host=base + "/v5", access_token="expired-or-forged")
    with ha.ApiClient(bad) as client:
        try:
            FormulairesApi(client).organizations_organization_slug_forms_get(slug)
            check(False, "forged token refused")
        except ha.ApiException as e:
            check(e.status == 401, "forged token refused with 401")
    print("ALL OK")


if __name__ == "__main__":
    main()
