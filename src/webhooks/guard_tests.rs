//! Tests of the SSRF guard: ranges, URL checks, the resolver and the client against loopback servers.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

fn refused(policy: &AddressPolicy, addr: &str) -> &'static str {
    match policy.check_ip(ip(addr)) {
        Err(RefusedAddress { ip: refused_ip, range }) => {
            assert_eq!(refused_ip, ip(addr), "the refusal names the address as given");
            range
        }
        Ok(()) => panic!("{addr} should be refused"),
    }
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn local_policy() -> Arc<AddressPolicy> {
    Arc::new(AddressPolicy::new(vec![net("127.0.0.0/8"), net("::1/128")]))
}

fn client(policy: Arc<AddressPolicy>) -> Client {
    delivery_client(policy, Duration::from_secs(2), Duration::from_secs(5)).unwrap()
}

/// The error and all its sources, joined, to look for the guard's message.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        out.push_str(" <- ");
        out.push_str(&e.to_string());
        source = e.source();
    }
    out
}

// ---- ranges ------------------------------------------------------------------------------------------------

#[test]
fn ipv4_non_public_ranges_are_refused_with_their_name() {
    let policy = AddressPolicy::default();
    let cases = [
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "this-network"),
        ("0.255.255.255", "this-network"),
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("10.0.0.1", "private"),
        ("10.255.255.255", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("169.254.0.1", "link-local"),
        ("100.64.0.1", "shared (CGNAT)"),
        ("100.127.255.255", "shared (CGNAT)"),
        ("198.18.0.1", "benchmarking"),
        ("198.19.255.255", "benchmarking"),
        ("192.0.2.1", "documentation"),
        ("198.51.100.7", "documentation"),
        ("203.0.113.200", "documentation"),
        ("192.0.0.1", "IETF protocol assignment"),
        ("192.0.0.170", "IETF protocol assignment"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"),
        ("254.1.2.3", "reserved"),
        ("255.255.255.254", "reserved"),
        ("255.255.255.255", "broadcast"),
    ];
    for (addr, range) in cases {
        assert_eq!(refused(&policy, addr), range, "{addr}");
    }
}

#[test]
fn ipv6_non_public_ranges_are_refused_with_their_name() {
    let policy = AddressPolicy::default();
    let cases = [
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("fc00::1", "private"),
        ("fd12:3456:789a::1", "private"),
        ("fe80::1", "link-local"),
        ("febf:ffff::1", "link-local"),
        ("fec0::1", "site-local"),
        ("feff::1", "site-local"),
        ("ff02::1", "multicast"),
        ("ff0e::101", "multicast"),
        ("2001:db8::1", "documentation"),
        ("2001:db8:ffff::1", "documentation"),
        ("3fff::1", "documentation"),
        ("3fff:fff::1", "documentation"),
    ];
    for (addr, range) in cases {
        assert_eq!(refused(&policy, addr), range, "{addr}");
    }
}

#[test]
fn ipv6_embedding_ipv4_is_judged_by_the_ipv4_address() {
    let policy = AddressPolicy::default();
    let cases = [
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:7f00:1", "loopback"),
        ("::ffff:10.1.2.3", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("::ffff:0.0.0.0", "unspecified"),
        ("::127.0.0.1", "loopback"),
        ("::192.168.0.1", "private"),
        ("64:ff9b::127.0.0.1", "loopback"),
        ("64:ff9b::a9fe:a9fe", "link-local"),
        ("2002:7f00:1::", "loopback"),
        ("2002:c0a8:101::1", "private"),
    ];
    for (addr, range) in cases {
        assert_eq!(refused(&policy, addr), range, "{addr}");
    }
    for public in ["::ffff:1.1.1.1", "::8.8.8.8", "64:ff9b::1.1.1.1", "2002:0101:0101::1"] {
        assert_eq!(policy.check_ip(ip(public)), Ok(()), "{public}");
    }
}

#[test]
fn public_addresses_are_allowed() {
    let policy = AddressPolicy::default();
    for public in [
        "1.1.1.1",
        "8.8.8.8",
        "93.184.215.14",
        "100.63.255.255",
        "100.128.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "192.0.1.1",
        "192.169.0.1",
        "198.17.255.255",
        "198.20.0.0",
        "223.255.255.255",
        "2606:4700:4700::1111",
        "2001:4860:4860::8888",
        "2a00:1450:4007:80e::200e",
        "2001:db9::1",
        "3fff:1000::1",
        "3ff0::1",
    ] {
        assert_eq!(policy.check_ip(ip(public)), Ok(()), "{public}");
    }
}

#[test]
fn refused_address_message_names_the_range() {
    let err = AddressPolicy::default().check_ip(ip("127.0.0.1")).unwrap_err();
    assert_eq!(err.to_string(), "127.0.0.1 is a loopback address");
    let err = AddressPolicy::default().check_ip(ip("169.254.169.254")).unwrap_err();
    assert_eq!(err.to_string(), "169.254.169.254 is a link-local address");
}

#[test]
fn allow_list_overrides_the_refusal() {
    let policy = AddressPolicy::new(vec![net("127.0.0.0/8"), net("::1/128"), net("10.20.0.0/16")]);
    assert_eq!(policy.allowed().len(), 3);
    for allowed in ["127.0.0.1", "127.1.2.3", "::1", "10.20.30.40", "::ffff:127.0.0.1", "1.1.1.1"] {
        assert_eq!(policy.check_ip(ip(allowed)), Ok(()), "{allowed}");
    }
    assert_eq!(refused(&policy, "10.21.0.1"), "private");
    assert_eq!(refused(&policy, "192.168.0.1"), "private");
    assert_eq!(refused(&policy, "169.254.169.254"), "link-local");
    assert_eq!(refused(&policy, "fe80::1"), "link-local");

    let v6_only = AddressPolicy::new(vec![net("fd00::/8")]);
    assert_eq!(v6_only.check_ip(ip("fd00::1")), Ok(()));
    assert_eq!(refused(&v6_only, "fc00::1"), "private");
    assert_eq!(refused(&v6_only, "127.0.0.1"), "loopback");
}

// ---- URLs --------------------------------------------------------------------------------------------------

#[test]
fn check_url_refuses_ip_literals_in_refused_ranges() {
    let policy = AddressPolicy::default();
    let loopback = RefusedAddress { ip: ip("127.0.0.1"), range: "loopback" };
    assert_eq!(policy.check_url(&url("http://127.0.0.1:9/")), Err(RefusedTarget::Address(loopback.clone())));
    assert_eq!(
        policy.check_url(&url("http://[::1]/")),
        Err(RefusedTarget::Address(RefusedAddress { ip: ip("::1"), range: "loopback" }))
    );
    assert_eq!(
        policy.check_url(&url("http://10.0.0.1/")),
        Err(RefusedTarget::Address(RefusedAddress { ip: ip("10.0.0.1"), range: "private" }))
    );
    assert_eq!(
        policy.check_url(&url("https://169.254.169.254/latest/meta-data/")),
        Err(RefusedTarget::Address(RefusedAddress { ip: ip("169.254.169.254"), range: "link-local" }))
    );
    // Obfuscated IPv4 forms are normalised by the URL parser and still caught.
    for sneaky in ["http://2130706433/", "http://0x7f.1/", "http://017700000001/", "http://127.1/"] {
        assert_eq!(policy.check_url(&url(sneaky)), Err(RefusedTarget::Address(loopback.clone())), "{sneaky}");
    }
    assert_eq!(
        policy.check_url(&url("http://[::ffff:127.0.0.1]:8080/")),
        Err(RefusedTarget::Address(RefusedAddress { ip: ip("::ffff:127.0.0.1"), range: "loopback" }))
    );
    assert_eq!(
        policy.check_url(&url("http://127.0.0.1:9/")).unwrap_err().to_string(),
        "webhook target refused: 127.0.0.1 is a loopback address"
    );
}

#[test]
fn check_url_refuses_bad_urls() {
    let policy = AddressPolicy::default();
    for bad in ["ftp://x", "file:///etc/passwd", "gopher://example.org/", "mailto:ops@example.org"] {
        match policy.check_url(&url(bad)) {
            Err(RefusedTarget::BadUrl(reason)) => assert!(reason.contains("scheme"), "{bad}: {reason}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    for creds in ["http://user:pw@example.org/", "https://user@example.org/", "http://:pw@example.org/"] {
        match policy.check_url(&url(creds)) {
            Err(RefusedTarget::BadUrl(reason)) => assert!(reason.contains("credentials"), "{creds}: {reason}"),
            other => panic!("{creds}: {other:?}"),
        }
    }
    let err = policy.check_url(&url("ftp://x")).unwrap_err();
    assert_eq!(err.to_string(), "webhook URL refused: scheme `ftp` is not allowed, use http or https");
}

#[test]
fn check_url_accepts_hostnames_and_public_or_allowed_literals() {
    let policy = AddressPolicy::default();
    for ok in [
        "https://example.org/hooks",
        "http://example.org:8080/x?y=1",
        "https://1.1.1.1/",
        "https://[2606:4700:4700::1111]/",
        // Hostnames are left to the resolver, even ones that will resolve to loopback.
        "http://localhost:9/",
    ] {
        assert_eq!(policy.check_url(&url(ok)), Ok(()), "{ok}");
    }
    let local = local_policy();
    assert_eq!(local.check_url(&url("http://127.0.0.1:9/")), Ok(()));
    assert_eq!(local.check_url(&url("http://[::1]/")), Ok(()));
    assert!(local.check_url(&url("http://10.0.0.1/")).is_err());
}

#[test]
fn no_allowed_address_message_names_host_and_each_address() {
    let err = RefusedTarget::NoAllowedAddress {
        host: "evil.example".to_owned(),
        refused: vec![
            RefusedAddress { ip: ip("127.0.0.1"), range: "loopback" },
            RefusedAddress { ip: ip("::1"), range: "loopback" },
        ],
    };
    assert_eq!(
        err.to_string(),
        "webhook target refused: evil.example resolves only to refused addresses: \
         127.0.0.1 (loopback), ::1 (loopback)"
    );
    let empty = RefusedTarget::NoAllowedAddress { host: "void.example".to_owned(), refused: vec![] };
    assert_eq!(empty.to_string(), "webhook target refused: void.example resolved to no address");
}

#[test]
fn trim_incomplete_char_only_drops_a_cut_tail() {
    let mut cut = "héllo €".as_bytes().to_vec();
    cut.truncate(cut.len() - 1); // "€" is 3 bytes: leave 2 of them
    trim_incomplete_char(&mut cut);
    assert_eq!(cut, "héllo ".as_bytes());

    let mut invalid_then_cut = b"a\xffb".to_vec();
    invalid_then_cut.extend_from_slice(&"é".as_bytes()[..1]);
    trim_incomplete_char(&mut invalid_then_cut);
    assert_eq!(invalid_then_cut, b"a\xffb");

    let mut whole = "ok €".as_bytes().to_vec();
    trim_incomplete_char(&mut whole);
    assert_eq!(whole, "ok €".as_bytes());
}

#[test]
fn user_agent_names_the_hub() {
    assert_eq!(USER_AGENT, format!("hub-webhooks/{}", env!("CARGO_PKG_VERSION")));
}

// ---- resolver and client against local servers ---------------------------------------------------------------

/// A local server on 127.0.0.1 that reads each request's head, answers `response` (if any) and closes;
/// `None` holds the connection open without answering. Returns the port and the count of accepted
/// connections.
async fn serve(response: Option<Vec<u8>>) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    let response = response.map(Arc::new);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            counter.fetch_add(1, Ordering::SeqCst);
            let response = response.clone();
            tokio::spawn(handle(stream, response));
        }
    });
    (port, accepted)
}

async fn handle(mut stream: TcpStream, response: Option<Arc<Vec<u8>>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    match response {
        Some(response) => {
            let _ = stream.write_all(&response).await;
            let _ = stream.shutdown().await;
        }
        None => {
            // Never answer; keep the socket open until the client gives up.
            let _ = stream.read(&mut buf).await;
        }
    }
}

fn http_response(status: &str, extra_headers: &str, body: &[u8]) -> Vec<u8> {
    let mut out =
        format!("HTTP/1.1 {status}\r\n{extra_headers}Content-Length: {}\r\nConnection: close\r\n\r\n", body.len())
            .into_bytes();
    out.extend_from_slice(body);
    out
}

#[tokio::test]
async fn resolver_refuses_a_name_resolving_only_to_loopback() {
    let resolver = GuardedResolver::new(Arc::new(AddressPolicy::default()));
    let err = match resolver.resolve("localhost".parse().unwrap()).await {
        Ok(addrs) => panic!("resolved to {:?}", addrs.collect::<Vec<_>>()),
        Err(err) => err,
    };
    let refused = err.downcast_ref::<RefusedTarget>().expect("a RefusedTarget");
    match refused {
        RefusedTarget::NoAllowedAddress { host, refused } => {
            assert_eq!(host, "localhost");
            assert!(!refused.is_empty());
            assert!(refused.iter().all(|r| r.range == "loopback"), "{refused:?}");
        }
        other => panic!("{other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("localhost") && message.contains("(loopback)"), "{message}");
}

#[tokio::test]
async fn resolver_keeps_allowed_addresses() {
    let resolver = GuardedResolver::new(local_policy());
    let addrs: Vec<SocketAddr> = resolver.resolve("localhost".parse().unwrap()).await.unwrap().collect();
    assert!(!addrs.is_empty());
    assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
}

#[tokio::test]
async fn delivery_to_a_name_resolving_to_loopback_is_refused_before_connecting() {
    let (port, accepted) = serve(Some(http_response("200 OK", "", b"ok"))).await;
    let client = client(Arc::new(AddressPolicy::default()));
    let err = client.get(format!("http://localhost:{port}/")).send().await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    let chain = chain(&err);
    assert!(chain.contains("webhook target refused: localhost"), "{chain}");
    assert!(chain.contains("is a loopback") || chain.contains("(loopback)"), "{chain}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "the listener must not have been reached");
}

#[tokio::test]
async fn delivery_to_an_allow_listed_loopback_succeeds() {
    let (port, accepted) = serve(Some(http_response("200 OK", "", b"ok"))).await;
    let client = client(local_policy());
    let response = client.get(format!("http://localhost:{port}/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(read_excerpt(response, 1024).await, "ok");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

/// Why `check_url` exists: hyper connects to IP literals without asking the resolver, so the client alone does
/// not stop them. If this ever fails, hyper started resolving literals and the guard is stricter — fine.
#[tokio::test]
async fn ip_literals_bypass_the_resolver_so_check_url_is_required() {
    let (port, _accepted) = serve(Some(http_response("204 No Content", "", b""))).await;
    let policy = Arc::new(AddressPolicy::default());
    let target = url(&format!("http://127.0.0.1:{port}/"));
    assert!(matches!(policy.check_url(&target), Err(RefusedTarget::Address(_))));
    let response = client(policy).get(target).send().await.unwrap();
    assert_eq!(response.status(), 204);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let (target_port, target_accepted) = serve(Some(http_response("200 OK", "", b"followed"))).await;
    let location = format!("Location: http://localhost:{target_port}/elsewhere\r\n");
    let (port, accepted) = serve(Some(http_response("302 Found", &location, b""))).await;
    let response = client(local_policy()).post(format!("http://localhost:{port}/hook")).send().await.unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers().get("location").unwrap().to_str().unwrap(),
        format!("http://localhost:{target_port}/elsewhere")
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    assert_eq!(target_accepted.load(Ordering::SeqCst), 0, "the redirect target must not be contacted");
}

#[tokio::test]
async fn read_excerpt_stops_at_the_limit() {
    let body = vec![b'x'; 1024 * 1024];
    let (port, _accepted) = serve(Some(http_response("200 OK", "", &body))).await;
    let client = client(local_policy());

    let response = client.get(format!("http://localhost:{port}/")).send().await.unwrap();
    let excerpt = read_excerpt(response, 1000).await;
    assert_eq!(excerpt.len(), 1000);
    assert!(excerpt.bytes().all(|b| b == b'x'));

    let response = client.get(format!("http://localhost:{port}/")).send().await.unwrap();
    assert_eq!(read_excerpt(response, 0).await, "");
}

#[tokio::test]
async fn read_excerpt_returns_short_bodies_whole_and_cuts_at_char_boundaries() {
    let (port, _accepted) = serve(Some(http_response("500 Internal Server Error", "", "€€€".as_bytes()))).await;
    let client = client(local_policy());

    let response = client.get(format!("http://localhost:{port}/")).send().await.unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(read_excerpt(response, 4096).await, "€€€");

    let response = client.get(format!("http://localhost:{port}/")).send().await.unwrap();
    assert_eq!(read_excerpt(response, 7).await, "€€");

    let (port, _accepted) = serve(Some(http_response("200 OK", "", b"bad \xff byte"))).await;
    let response = client.get(format!("http://localhost:{port}/")).send().await.unwrap();
    assert_eq!(read_excerpt(response, 4096).await, "bad \u{fffd} byte");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let (port, accepted) = serve(None).await;
    let client = delivery_client(local_policy(), Duration::from_secs(2), Duration::from_millis(300)).unwrap();
    let err = client.post(format!("http://localhost:{port}/")).body("{}").send().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn deliveries_send_the_hub_user_agent() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0);
            head.extend_from_slice(&buf[..n]);
        }
        stream.write_all(&http_response("200 OK", "", b"")).await.unwrap();
        String::from_utf8(head).unwrap()
    });
    let response = client(local_policy()).get(format!("http://localhost:{port}/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let head = server.await.unwrap().to_ascii_lowercase();
    assert!(head.contains(&format!("user-agent: {}", USER_AGENT.to_ascii_lowercase())), "{head}");
}
