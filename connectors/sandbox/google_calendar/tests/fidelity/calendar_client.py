"""Fidelity check: Google's official Python client (google-api-python-client + google-auth),
unchanged, against the sandbox. The calendar service is built from the shared discovery document
with the sandbox as api_endpoint; credentials come from the demo refresh token and token_url.

Usage: python calendar_client.py <credentials.json> <calendar.v3.discovery.json>
Prints one JSON line with what it saw; exits non-zero on the first mismatch.
"""

import json
import sys

import google.auth.transport.requests
import google.oauth2.credentials
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError


def main():
    creds_json = json.load(open(sys.argv[1]))
    discovery = open(sys.argv[2]).read()
    creds = google.oauth2.credentials.Credentials(
        token=None,
        refresh_token=creds_json["refresh_token"],
        token_uri=creds_json["token_url"],
        client_id=creds_json["client_id"],
        client_secret=creds_json["client_secret"],
        scopes=["https://www.googleapis.com/auth/calendar"],
    )
    creds.refresh(google.auth.transport.requests.Request())
    assert creds.valid and creds.token, "refresh gave a valid access token"
    service = build_from_document(
        discovery,
        credentials=creds,
        client_options={"api_endpoint": creds_json["base_url"] + "/calendar/v3/"},
    )
    cal = creds_json["calendar_id"]

    entries = service.calendarList().list().execute()
    assert any(e["id"] == cal for e in entries["items"]), "seeded calendar listed"

    body = {
        "summary": "Atelier réparation vélo",
        "start": {"dateTime": "2026-09-15T18:00:00+02:00", "timeZone": "Europe/Paris"},
        "end": {"dateTime": "2026-09-15T20:00:00+02:00", "timeZone": "Europe/Paris"},
        "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"],
        "extendedProperties": {"private": {"hubBookingId": "py-fidelity-1"}},
    }
    created = service.events().insert(calendarId=cal, body=body).execute()
    found = service.events().list(calendarId=cal, privateExtendedProperty="hubBookingId=py-fidelity-1").execute()
    assert [e["id"] for e in found["items"]] == [created["id"]], found
    instances = service.events().list(
        calendarId=cal, privateExtendedProperty="hubBookingId=py-fidelity-1", singleEvents=True, orderBy="startTime"
    ).execute()
    assert len(instances["items"]) == 3, instances

    patched = service.events().patch(calendarId=cal, eventId=created["id"], body={"summary": "Atelier vélo"}).execute()
    assert patched["summary"] == "Atelier vélo" and patched["etag"] != created["etag"]

    stale = service.events().patch(calendarId=cal, eventId=created["id"], body={"summary": "perdu"})
    stale.headers["If-Match"] = created["etag"]
    try:
        stale.execute()
        raise AssertionError("stale etag accepted")
    except HttpError as e:
        assert e.resp.status == 412, e

    # full sync with the client's own pagination helper, then an incremental one
    request = service.events().list(calendarId=cal, maxResults=5, showDeleted=True)
    pages, sync_token = 0, None
    while request is not None:
        page = request.execute()
        pages += 1
        sync_token = page.get("nextSyncToken", sync_token)
        request = service.events().list_next(request, page)
    assert pages > 1 and sync_token, (pages, sync_token)
    service.events().delete(calendarId=cal, eventId=created["id"]).execute()
    changes = service.events().list(calendarId=cal, syncToken=sync_token).execute()
    assert [(e["id"], e["status"]) for e in changes["items"]] == [(created["id"], "cancelled")], changes

    try:
        service.events().list(calendarId=cal, syncToken="bm90LWEtdG9rZW4").execute()
        raise AssertionError("invalid sync token accepted")
    except HttpError as e:
        assert e.resp.status == 410, e

    print(json.dumps({"event": created["id"], "pages": pages, "instances": len(instances["items"])}))


if __name__ == "__main__":
    main()
