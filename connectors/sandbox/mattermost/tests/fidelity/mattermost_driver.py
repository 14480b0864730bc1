"""Fidelity check: the official Python client `mattermostdriver` (pip: mattermostdriver==7.3.2),
pointed at the sandbox with its url/port/scheme options, creates a post and a thread reply,
edits them, reads the thread and the channel, calls the incoming webhook, and logs in with a
password. Usage: mattermost_driver.py <base_url> <token> <team> <incoming_webhook_key>.
Prints one JSON object with the ids it saw; the Rust test checks them against the sandbox."""

import json
import sys
from urllib.parse import urlparse

from mattermostdriver import Driver
from mattermostdriver.exceptions import NoAccessTokenProvided, ResourceNotFound

base_url, token, team_name, hook_key = sys.argv[1:5]
u = urlparse(base_url)
options = {"url": u.hostname, "port": u.port, "scheme": u.scheme, "token": token, "timeout": 30}

d = Driver(options)
me = d.login()
assert me["is_bot"] is True, me

team = d.teams.get_team_by_name(team_name)
channel = d.channels.get_channel_by_name_and_team_name(team_name, "programme")
assert d.channels.get_channel_by_name(team["id"], "programme")["id"] == channel["id"]

root = d.posts.create_post({"channel_id": channel["id"], "message": "Atelier réparation samedi 10h",
                            "props": {"hub_event": "evt-42"}})
reply = d.posts.create_post({"channel_id": channel["id"], "message": "Inscriptions ouvertes", "root_id": root["id"]})
assert reply["root_id"] == root["id"], reply

patched = d.posts.patch_post(root["id"], {"message": "Atelier réparation samedi 14h"})
assert patched["edit_at"] > 0, patched
updated = d.posts.update_post(reply["id"], {"id": reply["id"], "message": "Inscriptions ouvertes (12 places)"})
assert updated["message"].endswith("(12 places)"), updated

thread = d.posts.get_thread(reply["id"])
assert set(thread["order"]) == {root["id"], reply["id"]}, thread
page = d.posts.get_posts_for_channel(channel["id"], params={"per_page": 2})
assert page["order"] == [reply["id"], root["id"]], page

d.webhooks.call_webhook(hook_key, options={"text": "Publié par le webhook", "username": "hub"})

try:
    d.posts.get_post("aaaaaaaaaaaaaaaaaaaaaaaaaa")
    raise AssertionError("a missing post must raise")
except ResourceNotFound:
    pass

bad = Driver(dict(options, token="mauvais"))
try:
    bad.login()
    raise AssertionError("a wrong token must raise")
except NoAccessTokenProvided:
    pass

admin = Driver(dict(options, token=None, login_id="admin", password="sandbox-password"))
who = admin.login()
assert who["username"] == "admin", who
admin_post = admin.posts.create_post({"channel_id": channel["id"], "message": "Vu, merci", "root_id": root["id"]})

print(json.dumps({"root": root["id"], "reply": reply["id"], "admin_reply": admin_post["id"], "channel": channel["id"]}))
