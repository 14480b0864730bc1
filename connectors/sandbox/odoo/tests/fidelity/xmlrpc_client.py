"""Odoo's documented XML-RPC examples (external_rpc_api.rst), run with Python's standard
xmlrpc.client against the sandbox. Usage: xmlrpc_client.py URL DB USERNAME PASSWORD.
Prints one line per check and exits non-zero on the first failure."""

import sys
import xmlrpc.client

url, db, username, password = sys.argv[1:5]


def check(cond, what):
    if not cond:
        print("FAIL", what)
        sys.exit(1)
    print("ok", what)


common = xmlrpc.client.ServerProxy("{}/xmlrpc/2/common".format(url))
version = common.version()
check(set(version) >= {"server_version", "server_version_info", "server_serie", "protocol_version"}, "common.version()")

uid = common.authenticate(db, username, password, {})
check(isinstance(uid, int) and uid > 0, "common.authenticate() -> uid")
check(common.authenticate(db, username, "wrong password", {}) is False, "bad password -> False")

models = xmlrpc.client.ServerProxy("{}/xmlrpc/2/object".format(url))
check(models.execute_kw(db, uid, password, "res.partner", "check_access_rights", ["read"], {"raise_exception": False}) is True,
      "check_access_rights")

ids = models.execute_kw(db, uid, password, "res.partner", "search", [[["is_company", "=", True]]])
check(isinstance(ids, list) and ids and all(isinstance(i, int) for i in ids), "search is_company")
page = models.execute_kw(db, uid, password, "res.partner", "search", [[["is_company", "=", True]]], {"offset": 1, "limit": 2})
check(page == ids[1:3], "search offset/limit")
count = models.execute_kw(db, uid, password, "res.partner", "search_count", [[["is_company", "=", True]]])
check(count == len(ids), "search_count")

[record] = models.execute_kw(db, uid, password, "res.partner", "read", [ids[:1]])
check("name" in record and "write_date" in record, "read all fields")
rows = models.execute_kw(db, uid, password, "res.partner", "read", [ids[:1]], {"fields": ["name", "country_id", "comment"]})
check(set(rows[0]) == {"id", "name", "country_id", "comment"}, "read fields")
check(rows[0]["comment"] is False, "empty values are False")
check(isinstance(rows[0]["country_id"], list) and rows[0]["country_id"][1] == "France", "many2one as [id, name]")

fields = models.execute_kw(db, uid, password, "res.partner", "fields_get", [], {"attributes": ["string", "help", "type"]})
check(fields["membership_state"]["type"] == "selection" and set(fields["name"]) == {"string", "help", "type"}, "fields_get")

rows = models.execute_kw(db, uid, password, "res.partner", "search_read", [[["is_company", "=", True]]],
                         {"fields": ["name", "country_id", "comment"], "limit": 5})
check(0 < len(rows) <= 5 and all(set(r) == {"id", "name", "country_id", "comment"} for r in rows), "search_read")

rows = models.execute_kw(db, uid, password, "res.partner", "search_read",
                         [["|", ["city", "ilike", "brest"], ["membership_state", "in", ["paid", "invoiced"]]]],
                         {"fields": ["city", "membership_state"], "order": "write_date asc, id asc"})
check(rows and all(r["city"] == "Brest" or r["membership_state"] in ("paid", "invoiced") for r in rows), "domain with |")

new_id = models.execute_kw(db, uid, password, "res.partner", "create", [{"name": "New Partner"}])
check(isinstance(new_id, int), "create")
check(models.execute_kw(db, uid, password, "res.partner", "write", [[new_id], {"name": "Newer partner"}]) is True, "write")
check(models.execute_kw(db, uid, password, "res.partner", "name_get", [[new_id]]) == [[new_id, "Newer partner"]], "name_get after write")
check(models.execute_kw(db, uid, password, "res.partner", "unlink", [[new_id]]) is True, "unlink")
check(models.execute_kw(db, uid, password, "res.partner", "search", [[["id", "=", new_id]]]) == [], "deleted")

try:
    models.execute_kw(db, uid, "wrong password", "res.partner", "search", [[]])
    check(False, "bad password raises")
except xmlrpc.client.Fault as e:
    check(e.faultCode == 3, "bad password -> Fault 3 (AccessDenied)")
try:
    models.execute_kw(db, uid, password, "membership.membership_line", "create", [{"member_price": 1.0}])
    check(False, "missing membership_id raises")
except xmlrpc.client.Fault as e:
    check(e.faultCode == 2 and "membership_id" in e.faultString, "mandatory field -> Fault 2")

legacy = xmlrpc.client.ServerProxy("{}/xmlrpc/object".format(url))
try:
    legacy.execute_kw(db, uid, password, "res.partner", "read", [[10 ** 9]])
    check(False, "missing record raises")
except xmlrpc.client.Fault as e:
    check(isinstance(e.faultCode, str) and e.faultCode.startswith("warning -- MissingError"), "legacy string faultCode")
print("all checks passed")
