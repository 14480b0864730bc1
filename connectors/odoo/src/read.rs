//! Reading: one page of partners or membership lines after a `write_date` cursor.

use super::*;

impl OdooConnector {
    /// One page of `model` after `cursor`.
    async fn page(
        &self,
        stream: &str,
        model: &str,
        base: Vec<Value>,
        fields: &[String],
        cursor: Option<&Cursor>,
    ) -> Result<(Vec<Value>, Option<Cursor>, bool), ConnectorError> {
        let cursor: Option<StreamCursor> = match cursor {
            None => None,
            Some(c) if c.0.is_null() => None,
            Some(c) => Some(serde_json::from_value(c.0.clone()).map_err(|e| {
                ConnectorError::Invalid(format!("the {stream} cursor is not {{write_date, ids}}: {e}"))
            })?),
        };
        let mut domain = base;
        if let Some(c) = &cursor {
            domain.extend(c.domain());
        }
        let limit = self.settings.page_size;
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        let rows = self.search_read(model, Value::Array(domain), &fields, limit, "write_date asc, id asc").await?;
        let has_more = rows.len() as u64 >= u64::from(limit);
        let Some(next) = StreamCursor::after(cursor.as_ref(), &rows) else {
            return Ok((rows, None, false));
        };
        let next = serde_json::to_value(next).map_err(|e| ConnectorError::Invalid(format!("cursor: {e}")))?;
        Ok((rows, Some(Cursor(next)), has_more))
    }

    /// The `name` of the given records (archived ones included).
    async fn names_of(&self, model: &str, ids: Vec<i64>) -> Result<HashMap<i64, String>, ConnectorError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let args = [
            ("domain", json!([["id", "in", ids]])),
            ("fields", json!(["id", "name"])),
            ("offset", json!(0)),
            ("limit", json!(ids.len())),
            ("order", json!("id asc")),
        ];
        let answer = self.rpc.execute(model, "search_read", None, &args, Some(json!({"active_test": false}))).await?;
        Ok(answer
            .as_array()
            .map(|rows| {
                rows.iter()
                    .filter_map(|r| Some((r.get("id")?.as_i64()?, r.get("name")?.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// ISO codes of the given `res.country` ids.
    async fn country_codes(&self, ids: Vec<i64>) -> Result<HashMap<i64, String>, ConnectorError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = self.search_read("res.country", json!([["id", "in", ids]]), &["id", "code"], 1000, "id asc").await?;
        Ok(rows.iter().filter_map(|r| Some((r.get("id")?.as_i64()?, r.get("code")?.as_str()?.to_string()))).collect())
    }

    pub(crate) async fn read_partners(&self, cursor: Option<&Cursor>) -> Result<Page, ConnectorError> {
        let base = vec![json!(["is_company", "=", false]), json!(["type", "not in", ["invoice", "delivery"]])];
        let fields = &self.schema().await?.partner_fields;
        let (rows, next_cursor, has_more) = self.page("partners", "res.partner", base, fields, cursor).await?;
        let mut countries: Vec<i64> = rows.iter().filter_map(|r| m2o_id(r.get("country_id"))).collect();
        countries.sort_unstable();
        countries.dedup();
        let codes = self.country_codes(countries).await?;
        let records = rows
            .into_iter()
            .filter_map(|mut row| {
                let id = row.get("id")?.as_i64()?;
                let updated_at = parse_odoo_datetime(row.get("write_date"));
                let obj = row.as_object_mut()?;
                if let Some(name) = obj.get("name").and_then(Value::as_str).map(str::trim).map(str::to_string) {
                    match name.split_once(' ') {
                        Some((first, last)) => {
                            obj.insert("firstName".into(), json!(first));
                            obj.insert("lastName".into(), json!(last.trim()));
                        }
                        None if !name.is_empty() => {
                            obj.insert("firstName".into(), json!(name));
                        }
                        None => {}
                    }
                }
                if let Some(code) = m2o_id(obj.get("country_id")).and_then(|c| codes.get(&c)) {
                    obj.insert("countryCode".into(), json!(code));
                }
                Some(SourceRecord {
                    stream: "partners".into(),
                    external_id: id.to_string(),
                    updated_at,
                    deleted: false,
                    data: row,
                })
            })
            .collect();
        Ok(Page { records, next_cursor, has_more, total_pages: None })
    }

    pub(crate) async fn read_memberships(&self, cursor: Option<&Cursor>) -> Result<Page, ConnectorError> {
        let names = self.line_names().await?;
        let (rows, next_cursor, has_more) =
            self.page("memberships", "membership.membership_line", vec![], &names.fields, cursor).await?;
        let mut partners: Vec<i64> = rows.iter().filter_map(|r| m2o_id(r.get(names.partner))).collect();
        partners.sort_unstable();
        partners.dedup();
        let emails: HashMap<i64, Value> = if partners.is_empty() {
            HashMap::new()
        } else {
            let ctx = json!({"active_test": false});
            let args = [
                ("domain", json!([["id", "in", partners]])),
                ("fields", json!(["id", "email"])),
                ("offset", json!(0)),
                ("limit", json!(partners.len())),
                ("order", json!("id asc")),
            ];
            let answer = self.rpc.execute("res.partner", "search_read", None, &args, Some(ctx)).await?;
            answer
                .as_array()
                .map(|rows| {
                    rows.iter()
                        .filter_map(|r| Some((r.get("id")?.as_i64()?, r.get("email").cloned().unwrap_or(json!(false)))))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut products: Vec<i64> = rows.iter().filter_map(|r| m2o_id(r.get("membership_id"))).collect();
        products.sort_unstable();
        products.dedup();
        let product_names = self.names_of("product.product", products).await?;
        let records = rows
            .into_iter()
            .filter_map(|mut row| {
                let id = row.get("id")?.as_i64()?;
                let updated_at = parse_odoo_datetime(row.get("write_date"));
                let obj = row.as_object_mut()?;
                let partner = m2o_id(obj.get(names.partner));
                obj.insert("partnerId".into(), json!(partner));
                let email = partner.and_then(|p| emails.get(&p)).cloned().unwrap_or(json!(false));
                obj.insert("partnerEmail".into(), email);
                let product = m2o_id(obj.get("membership_id"));
                let name =
                    product.and_then(|p| product_names.get(&p).cloned()).or_else(|| m2o_name(obj.get("membership_id")));
                obj.insert("productName".into(), json!(name));
                let cents = obj.get("member_price").and_then(Value::as_f64).map(|a| (a * 100.0).round() as i64);
                obj.insert("amountCents".into(), json!(cents));
                Some(SourceRecord {
                    stream: "memberships".into(),
                    external_id: id.to_string(),
                    updated_at,
                    deleted: false,
                    data: row,
                })
            })
            .collect();
        Ok(Page { records, next_cursor, has_more, total_pages: None })
    }
}
