//! Tracking over HTTP on both backends: ingestion, histories, the public page, and Russian
//! Post's SOAP services checked against the real sample exchange.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use axum::body::Body;
use axum::http::{Method, Request};
use okno_api::ProblemKind;
use serde_json::{Value, json};
use support::*;

both!(
    the_sample_history_comes_back_over_soap_as_the_post_sent_it,
    ingestion_is_all_or_nothing_and_resending_stores_nothing_twice,
    histories_for_many_numbers_and_their_limits,
    batch_soap_tickets_answer_every_number,
    hostile_and_wrong_soap_requests_get_faults,
    the_public_page_shows_the_history_without_a_key,
);

const SAMPLE_REQUEST: &str = include_str!("data/getOperationHistory.request.xml");
const SAMPLE_RESPONSE: &str = include_str!("data/getOperationHistory.response.RA644000001RU.xml");
const DATA: &str = "http://russianpost.org/operationhistory/data";

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, path: &[&str]) -> Option<roxmltree::Node<'a, 'i>> {
    let mut node = node;
    for name in path {
        node = node
            .children()
            .find(|n| n.is_element() && n.tag_name().name() == *name)?;
    }
    Some(node)
}

fn text(node: roxmltree::Node<'_, '_>, path: &[&str]) -> Option<String> {
    child(node, path).map(|n| n.text().unwrap_or("").to_owned())
}

/// The fields of each `historyRecord` that okno keeps, with the real service's defaults for
/// what is absent, so a sample record and okno's answer compare field by field.
fn records(xml: &str) -> Vec<Vec<(String, String)>> {
    let document = roxmltree::Document::parse(xml).unwrap();
    document
        .descendants()
        .filter(|n| {
            n.tag_name().name() == "historyRecord" && n.tag_name().namespace() == Some(DATA)
        })
        .map(|record| {
            let fields: &[(&str, &[&str], &str)] = &[
                ("barcode", &["ItemParameters", "Barcode"], ""),
                ("type", &["OperationParameters", "OperType", "Id"], ""),
                (
                    "type name",
                    &["OperationParameters", "OperType", "Name"],
                    "",
                ),
                ("attr", &["OperationParameters", "OperAttr", "Id"], ""),
                (
                    "attr name",
                    &["OperationParameters", "OperAttr", "Name"],
                    "",
                ),
                ("date", &["OperationParameters", "OperDate"], ""),
                (
                    "office",
                    &["AddressParameters", "OperationAddress", "Index"],
                    "0",
                ),
                (
                    "office name",
                    &["AddressParameters", "OperationAddress", "Description"],
                    "",
                ),
                (
                    "destination",
                    &["AddressParameters", "DestinationAddress", "Index"],
                    "0",
                ),
                (
                    "destination name",
                    &["AddressParameters", "DestinationAddress", "Description"],
                    "",
                ),
                (
                    "country",
                    &["AddressParameters", "CountryOper", "Code2A"],
                    "",
                ),
                ("mass", &["ItemParameters", "Mass"], "0"),
                ("item", &["ItemParameters", "ComplexItemName"], ""),
                ("mail type", &["ItemParameters", "MailType", "Id"], ""),
                (
                    "mail type name",
                    &["ItemParameters", "MailType", "Name"],
                    "",
                ),
                ("category", &["ItemParameters", "MailCtg", "Id"], ""),
                ("category name", &["ItemParameters", "MailCtg", "Name"], ""),
                ("payment", &["FinanceParameters", "Payment"], "0"),
                ("value", &["FinanceParameters", "Value"], "0"),
                ("sender", &["UserParameters", "Sndr"], ""),
                ("recipient", &["UserParameters", "Rcpn"], ""),
            ];
            fields
                .iter()
                .map(|(name, path, default)| {
                    let value = text(record, path).unwrap_or_else(|| (*default).to_owned());
                    ((*name).to_owned(), value)
                })
                .collect()
        })
        .collect()
}

/// The sample's records as okno operations (what an executor reporting them would send).
fn sample_operations() -> Value {
    let document = roxmltree::Document::parse(SAMPLE_RESPONSE).unwrap();
    let mut events = Vec::new();
    for record in document
        .descendants()
        .filter(|n| n.tag_name().name() == "historyRecord")
    {
        let number = |path: &[&str]| text(record, path).and_then(|t| t.parse::<i64>().ok());
        let nonempty = |path: &[&str]| text(record, path).filter(|t| !t.is_empty());
        let postcode = |path: &[&str]| nonempty(path).filter(|t| t.len() == 6);
        let mut event = json!({
            "track_number": text(record, &["ItemParameters", "Barcode"]),
            "operation_type": number(&["OperationParameters", "OperType", "Id"]),
            "operation_attr": number(&["OperationParameters", "OperAttr", "Id"]),
            "operated_at": text(record, &["OperationParameters", "OperDate"]),
            "office_index": postcode(&["AddressParameters", "OperationAddress", "Index"]),
            "office_name": nonempty(&["AddressParameters", "OperationAddress", "Description"]),
            "destination_index": postcode(&["AddressParameters", "DestinationAddress", "Index"]),
            "destination_name": nonempty(&["AddressParameters", "DestinationAddress", "Description"]),
            "country": nonempty(&["AddressParameters", "CountryOper", "Code2A"]),
            "mass_grams": number(&["ItemParameters", "Mass"]).filter(|m| *m > 0),
            "item_name": nonempty(&["ItemParameters", "ComplexItemName"]),
            "mail_type": number(&["ItemParameters", "MailType", "Id"]),
            "mail_category": number(&["ItemParameters", "MailCtg", "Id"]),
            "sender": nonempty(&["UserParameters", "Sndr"]),
            "recipient": nonempty(&["UserParameters", "Rcpn"]),
        });
        let payment = number(&["FinanceParameters", "Payment"]).unwrap_or(0);
        let value = number(&["FinanceParameters", "Value"]).unwrap_or(0);
        if payment > 0 || value > 0 {
            event["cod_kopecks"] = json!(payment);
            event["declared_value_kopecks"] = json!(value);
        }
        events.push(event);
    }
    json!({ "events": events })
}

async fn soap(app: &TestApp, path: &str, content_type: &str, body: String) -> Answer {
    let request = Request::post(path)
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

fn text_of(answer: &Answer) -> String {
    String::from_utf8(answer.bytes.clone()).unwrap()
}

async fn ingest_sample(app: &TestApp) {
    let answer = app
        .call(
            Method::POST,
            "/v1/tracking/events",
            Some(&app.tenant_key),
            Some(sample_operations()),
        )
        .await;
    assert_eq!(answer.status, 200, "{:#}", answer.body);
    assert_eq!(
        answer.body,
        json!({"received": 5, "stored": 5, "duplicates": 0})
    );
}

async fn the_sample_history_comes_back_over_soap_as_the_post_sent_it(app: TestApp) {
    ingest_sample(&app).await;
    let request = SAMPLE_REQUEST.replace("my_password", &app.tenant_key);
    let answer = soap(
        &app,
        "/rtm34",
        "application/soap+xml; charset=utf-8",
        request,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", text_of(&answer));
    assert!(
        answer.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/soap+xml"),
        "SOAP 1.2 content type"
    );
    let ours = records(&text_of(&answer));
    let theirs = records(SAMPLE_RESPONSE);
    assert_eq!(ours.len(), 5);
    for (index, (ours, theirs)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(ours, theirs, "record {index}");
    }
    // The envelope is SOAP 1.2 with the real response element and namespaces.
    let xml = text_of(&answer);
    let document = roxmltree::Document::parse(&xml).unwrap();
    let response = document
        .descendants()
        .find(|n| n.tag_name().name() == "getOperationHistoryResponse")
        .unwrap();
    assert_eq!(
        response.tag_name().namespace(),
        Some("http://russianpost.org/operationhistory")
    );
    assert_eq!(
        document.root_element().tag_name().namespace(),
        Some("http://www.w3.org/2003/05/soap-envelope")
    );
}

async fn ingestion_is_all_or_nothing_and_resending_stores_nothing_twice(app: TestApp) {
    ingest_sample(&app).await;
    let again = app
        .call(
            Method::POST,
            "/v1/tracking/events",
            Some(&app.tenant_key),
            Some(sample_operations()),
        )
        .await;
    assert_eq!(
        again.body,
        json!({"received": 5, "stored": 0, "duplicates": 5})
    );

    let bad = json!({"events": [
        {"track_number": "80082240994512", "operation_type": 1, "operated_at": "2026-11-20T09:00:00+03:00"},
        {"track_number": "nope", "operation_type": 2, "operated_at": "2026-11-21"}
    ]});
    let answer = app
        .call(
            Method::POST,
            "/v1/tracking/events",
            Some(&app.tenant_key),
            Some(bad),
        )
        .await;
    assert_problem(&answer, ProblemKind::Validation);
    let pointers: Vec<&str> = answer.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        ["/events/1/track_number", "/events/1/operated_at"]
    );
    let unknown = app
        .call(
            Method::GET,
            "/v1/tracking/80082240994512",
            Some(&app.tenant_key),
            None,
        )
        .await;
    assert_problem(&unknown, ProblemKind::NotFound);
    assert!(
        unknown.body["detail"]
            .as_str()
            .unwrap()
            .contains("80082240994512")
    );

    // Over the per-request limit: refused whole, with the limit named.
    let one = json!({"track_number": "80082240994512", "operation_type": 8, "operated_at": "2026-11-20T09:00:00Z"});
    let many = json!({"events": vec![one; okno_oms::TRACKING_BATCH_MAX + 1]});
    let tenant = app.oms.find_tenant("shop").await.unwrap();
    let refused = app.oms.ingest_tracking(tenant.id, "shop", &many).await;
    match refused {
        Err(okno_oms::OmsError::Invalid(errors)) => {
            assert_eq!(errors[0].code, "too_many");
            assert!(
                errors[0].detail.contains("at most 10000"),
                "{}",
                errors[0].detail
            );
        }
        other => panic!("expected too_many, got {other:?}"),
    }
    assert_eq!(
        app.oms
            .tracking_history(&["80082240994512".to_owned()])
            .await
            .unwrap()[0]
            .events
            .len(),
        0
    );
    // Without a key: 401.
    let anonymous = app
        .call(Method::POST, "/v1/tracking/events", None, Some(json!({})))
        .await;
    assert_problem(&anonymous, ProblemKind::Unauthenticated);
}

async fn histories_for_many_numbers_and_their_limits(app: TestApp) {
    ingest_sample(&app).await;
    let delivered = json!({"events": [
        {"track_number": "80082240994512", "operation_type": 1, "operation_attr": 1,
         "operated_at": "2026-11-20T09:00:00+03:00", "office_index": "101000"},
        {"track_number": "80082240994512", "operation_type": 2, "operation_attr": 1,
         "operated_at": "2026-11-24T15:30:00+06:00", "office_index": "644008"},
        {"track_number": "80082240994512", "operation_type": 63,
         "operated_at": "2026-11-24T16:00:00+06:00"}
    ]});
    let answer = app
        .call(
            Method::POST,
            "/v1/tracking/events",
            Some(&app.tenant_key),
            Some(delivered),
        )
        .await;
    assert_eq!(answer.body["stored"], 3);

    let one = app
        .call(
            Method::GET,
            "/v1/tracking/8008%202240%209945%2012",
            Some(&app.other_tenant_key),
            None,
        )
        .await;
    assert_eq!(one.status, 200, "{:#}", one.body);
    assert_eq!(
        one.body["status"], "delivered",
        "the COD payment after delivery does not hide it"
    );
    assert_eq!(one.body["is_final"], true);
    assert_eq!(one.body["check_digit_valid"], true);
    assert_eq!(one.body["last_operated_at"], "2026-11-24T16:00:00+06:00");
    assert_eq!(
        one.body["events"][1]["operated_at"], "2026-11-24T15:30:00+06:00",
        "offset kept"
    );

    let many = app
        .call(
            Method::POST,
            "/v1/tracking:history",
            Some(&app.tenant_key),
            Some(json!({"numbers": ["RA644000001RU", "80082240994512", "ra644000001ru", "10100085000421"]})),
        )
        .await;
    assert_eq!(many.status, 200, "{:#}", many.body);
    let histories = many.body["histories"].as_array().unwrap();
    let summary: Vec<(&str, bool, &str)> = histories
        .iter()
        .map(|h| {
            (
                h["track_number"].as_str().unwrap(),
                h["found"].as_bool().unwrap(),
                h["status"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("RA644000001RU", true, "accepted"),
            ("80082240994512", true, "delivered"),
            ("10100085000421", false, "-"),
        ]
    );
    assert_eq!(
        histories[0]["check_digit_valid"], false,
        "the spec's sample number fails S10"
    );

    let bad = app
        .call(
            Method::POST,
            "/v1/tracking:history",
            Some(&app.tenant_key),
            Some(json!({"numbers": ["80082240994512", "12"]})),
        )
        .await;
    assert_problem(&bad, ProblemKind::Validation);
    assert_eq!(bad.body["errors"][0]["pointer"], "/numbers/1");

    // 100,000 numbers: the body limit answers first, clearly; under a big limit the count does.
    let huge: Vec<String> = (0..100_000).map(|i| format!("8008224{i:07}")).collect();
    let answer = app
        .call(
            Method::POST,
            "/v1/tracking:history",
            Some(&app.tenant_key),
            Some(json!({"numbers": huge})),
        )
        .await;
    assert_problem(&answer, ProblemKind::PayloadTooLarge);
    let refused = app.oms.tracking_history(&huge).await;
    match refused {
        Err(okno_oms::OmsError::Invalid(errors)) => {
            assert_eq!(errors[0].pointer, "/numbers");
            assert!(
                errors[0].detail.contains("at most 3000"),
                "{}",
                errors[0].detail
            );
        }
        other => panic!("expected too_many, got {other:?}"),
    }
}

fn ticket_request(password: &str, barcodes: &[String]) -> String {
    let items: String = barcodes
        .iter()
        .map(|b| format!("<fcl:Item Barcode=\"{b}\"/>"))
        .collect();
    format!(
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:pos=\"http://fclient.russianpost.org/postserver\" xmlns:fcl=\"http://fclient.russianpost.org\">\
         <soapenv:Header/><soapenv:Body><pos:ticketRequest><request>{items}</request>\
         <login>my_login</login><password>{password}</password><language>RUS</language>\
         </pos:ticketRequest></soapenv:Body></soapenv:Envelope>"
    )
}

fn answer_request(password: &str, ticket: &str) -> String {
    format!(
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:pos=\"http://fclient.russianpost.org/postserver\"><soapenv:Header/><soapenv:Body>\
         <pos:answerByTicketRequest><ticket>{ticket}</ticket><login>my_login</login>\
         <password>{password}</password></pos:answerByTicketRequest></soapenv:Body></soapenv:Envelope>"
    )
}

fn batch_error_code(xml: &str) -> Option<String> {
    let document = roxmltree::Document::parse(xml).unwrap();
    document
        .descendants()
        .find(|n| n.tag_name().name() == "error")
        .and_then(|n| n.attribute("ErrorTypeID").map(str::to_owned))
}

async fn batch_soap_tickets_answer_every_number(app: TestApp) {
    ingest_sample(&app).await;
    let numbers = [
        "RA644000001RU".to_owned(),
        "10100085000421".to_owned(),
        "junk".to_owned(),
    ];
    let answer = soap(
        &app,
        "/fc",
        "text/xml; charset=utf-8",
        ticket_request(&app.tenant_key, &numbers),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", text_of(&answer));
    let document = roxmltree::Document::parse(std::str::from_utf8(&answer.bytes).unwrap()).unwrap();
    let ticket = document
        .descendants()
        .find(|n| n.tag_name().name() == "value")
        .and_then(|n| n.text())
        .unwrap()
        .to_owned();
    assert!(
        ticket.ends_with("MY_LOGIN") && ticket.len() == 17 + 8,
        "{ticket}"
    );

    let answer = soap(
        &app,
        "/fc",
        "text/xml",
        answer_request(&app.tenant_key, &ticket),
    )
    .await;
    assert_eq!(answer.status, 200);
    let xml = text_of(&answer);
    let document = roxmltree::Document::parse(&xml).unwrap();
    let items: Vec<(String, usize, Option<String>)> = document
        .descendants()
        .filter(|n| n.tag_name().name() == "Item")
        .map(|item| {
            let operations = item
                .children()
                .filter(|n| n.tag_name().name() == "Operation")
                .count();
            let error = item
                .children()
                .find(|n| n.tag_name().name() == "Error")
                .and_then(|n| n.attribute("ErrorTypeID").map(str::to_owned));
            (
                item.attribute("Barcode").unwrap().to_owned(),
                operations,
                error,
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("RA644000001RU".to_owned(), 5, None),
            ("10100085000421".to_owned(), 0, Some("12".to_owned())),
            ("junk".to_owned(), 0, Some("12".to_owned())),
        ]
    );
    let first = document
        .descendants()
        .find(|n| n.tag_name().name() == "Operation")
        .unwrap();
    assert_eq!(first.attribute("OperName"), Some("Прием"));
    assert_eq!(
        first.attribute("DateOper"),
        Some("23.03.2015 10:01:00"),
        "local time of the place"
    );
    assert_eq!(first.attribute("IndexOper"), Some("644001"));

    // Another tenant cannot redeem the ticket; a wrong password is error 3.
    let other = soap(
        &app,
        "/fc",
        "text/xml",
        answer_request(&app.other_tenant_key, &ticket),
    )
    .await;
    assert_eq!(batch_error_code(&text_of(&other)).as_deref(), Some("2"));
    let wrong = soap(&app, "/fc", "text/xml", answer_request("wrong", &ticket)).await;
    assert_eq!(batch_error_code(&text_of(&wrong)).as_deref(), Some("3"));

    // More than 3,000 numbers is error 18 (under a body limit that lets them through).
    let roomy =
        TestApp::start_with_body_limit(&okno_store::testing::TestDatabase::sqlite(), 1 << 20).await;
    let many: Vec<String> = (0..3_001).map(|i| format!("8008224{i:07}")).collect();
    let answer = soap(
        &roomy,
        "/fc",
        "text/xml",
        ticket_request(&roomy.tenant_key, &many),
    )
    .await;
    assert_eq!(batch_error_code(&text_of(&answer)).as_deref(), Some("18"));
}

async fn hostile_and_wrong_soap_requests_get_faults(app: TestApp) {
    ingest_sample(&app).await;
    let soap12 = "application/soap+xml; charset=utf-8";
    let fault_detail = |answer: &Answer| -> (u16, String) {
        let xml = text_of(answer);
        let document = roxmltree::Document::parse(&xml).unwrap();
        let detail = document
            .descendants()
            .find(|n| n.tag_name().name().ends_with("FaultReason"))
            .map(|n| format!("{}: {}", n.tag_name().name(), n.text().unwrap_or("")))
            .unwrap_or_else(|| panic!("no fault detail in {xml}"));
        (answer.status.as_u16(), detail)
    };

    let wrong_password = soap(&app, "/rtm34", soap12, SAMPLE_REQUEST.to_owned()).await;
    let (status, detail) = fault_detail(&wrong_password);
    assert_eq!(status, 400);
    assert!(detail.starts_with("AuthorizationFaultReason"), "{detail}");

    let with_key = |barcode: &str| {
        SAMPLE_REQUEST
            .replace("my_password", &app.tenant_key)
            .replace("RA644000001RU", barcode)
    };
    let unknown = soap(&app, "/rtm34", soap12, with_key("10100085000421")).await;
    let (_, detail) = fault_detail(&unknown);
    assert!(
        detail.contains("отсутствует") && detail.contains("10100085000421"),
        "{detail}"
    );
    let malformed_number = soap(&app, "/rtm34", soap12, with_key("12345")).await;
    assert!(
        fault_detail(&malformed_number)
            .1
            .contains("not a track number")
    );

    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]><soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Body>&lol2;</soap:Body></soap:Envelope>";
    let answer = soap(&app, "/rtm34", soap12, bomb.to_owned()).await;
    let (status, detail) = fault_detail(&answer);
    assert_eq!(status, 400);
    assert!(detail.contains("DTD"), "{detail}");

    let external = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><x>&xxe;</x>";
    let answer = soap(&app, "/rtm34", soap12, external.to_owned()).await;
    assert!(!text_of(&answer).contains("root:"), "no file content leaks");
    assert!(fault_detail(&answer).1.contains("DTD"));

    let truncated = soap(&app, "/rtm34", soap12, SAMPLE_REQUEST[..200].to_owned()).await;
    assert!(fault_detail(&truncated).1.contains("malformed XML"));
    let not_soap = soap(&app, "/rtm34", soap12, "<a/>".to_owned()).await;
    assert!(fault_detail(&not_soap).1.contains("not a SOAP envelope"));
    let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    let answer = soap(&app, "/rtm34", soap12, deep).await;
    assert_eq!(
        answer.status, 400,
        "a deep document is refused, not a crash"
    );
    let huge = format!("<a>{}</a>", "x".repeat(SMALL_BODY_LIMIT));
    let answer = soap(&app, "/rtm34", soap12, huge).await;
    assert!(
        fault_detail(&answer).1.contains("exceeds"),
        "the size limit is named"
    );

    // A SOAP 1.1 envelope is answered in SOAP 1.1.
    let soap11 = SAMPLE_REQUEST
        .replace(
            "http://www.w3.org/2003/05/soap-envelope",
            "http://schemas.xmlsoap.org/soap/envelope/",
        )
        .replace("my_password", &app.tenant_key);
    let answer = soap(&app, "/rtm34", "text/xml", soap11).await;
    assert_eq!(answer.status, 200, "{}", text_of(&answer));
    assert!(text_of(&answer).contains("http://schemas.xmlsoap.org/soap/envelope/"));

    // The WSDLs parse and point here.
    for (path, address) in [
        ("/rtm34?wsdl", "http://okno.test/rtm34"),
        ("/fc?wsdl", "http://okno.test/fc"),
    ] {
        let request = Request::get(path)
            .header("host", "okno.test")
            .body(Body::empty())
            .unwrap();
        let answer = app.send(request).await;
        assert_eq!(answer.status, 200);
        let xml = text_of(&answer);
        let document = roxmltree::Document::parse(&xml).unwrap();
        let location = document
            .descendants()
            .find(|n| n.tag_name().name() == "address")
            .and_then(|n| n.attribute("location"))
            .unwrap();
        assert_eq!(location, address);
        let operations: Vec<&str> = document
            .descendants()
            .filter(|n| {
                n.tag_name().name() == "operation"
                    && n.parent()
                        .is_some_and(|p| p.tag_name().name() == "portType")
            })
            .filter_map(|n| n.attribute("name"))
            .collect();
        assert!(!operations.is_empty());
    }
}

async fn the_public_page_shows_the_history_without_a_key(app: TestApp) {
    let events = json!({"events": [
        {"track_number": "80082240994512", "operation_type": 1, "operation_attr": 1,
         "operated_at": "2026-11-20T09:00:00+03:00", "office_index": "101000", "office_name": "Москва <script>alert(1)</script>"},
        {"track_number": "80082240994512", "operation_type": 8, "operation_attr": 2,
         "operated_at": "2026-11-23T11:00:00+06:00", "office_index": "644008", "office_name": "Омск 8"}
    ]});
    app.call(
        Method::POST,
        "/v1/tracking/events",
        Some(&app.tenant_key),
        Some(events),
    )
    .await;
    let page = app
        .call(Method::GET, "/track/80082240994512", None, None)
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = text_of(&page);
    assert!(html.contains("Прибыло в место вручения"), "{html}");
    assert!(html.contains("data-status=\"arrived_at_delivery_point\""));
    assert!(
        html.contains("23.11.2026 11:00 (UTC+06:00)"),
        "local time with its offset"
    );
    assert!(!html.contains("<script>alert"), "reporter text is escaped");
    assert!(html.contains("&lt;script&gt;"));

    let search = app
        .call(Method::GET, "/track?number=80082240994512", None, None)
        .await;
    assert_eq!(search.status, 200);
    let empty = app.call(Method::GET, "/track", None, None).await;
    assert_eq!(empty.status, 200);
    let unknown = app
        .call(Method::GET, "/track/10100085000421", None, None)
        .await;
    assert_eq!(unknown.status, 404);
    assert!(text_of(&unknown).contains("Операций по этому номеру пока нет"));
    let junk = app.call(Method::GET, "/track/%3Cb%3E", None, None).await;
    assert_eq!(junk.status, 400);
    assert!(!text_of(&junk).contains("<b>"), "the number is escaped too");
}
