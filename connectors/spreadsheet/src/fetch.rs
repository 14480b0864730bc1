//! Gets the file: from a path, or by GET on a URL (through the SDK's client, following at most
//! [`MAX_REDIRECTS`] redirects itself, never from https to http), at most [`MAX_BYTES`].
//! Every failure is an error, never an empty file: a failed download must not read as an empty
//! programme.

use std::time::Duration;

use hub_connector_sdk::{
    ConnectorError,
    http::{HttpClient, HttpSettings, classify},
};
use reqwest::{StatusCode, Url, header};

use crate::settings::Source;

/// The largest file read, in bytes.
pub const MAX_BYTES: usize = 32 * 1024 * 1024;
/// Redirects followed (published sheets and share links often answer one or two).
pub const MAX_REDIRECTS: usize = 5;

/// A downloaded file, with what the server said of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    pub bytes: Vec<u8>,
    /// The file's name: Content-Disposition's, else the last segment of the (final) URL or path.
    pub name: Option<String>,
    pub content_type: Option<String>,
}

/// Where the bytes come from.
#[derive(Clone)]
pub enum Fetcher {
    Path(std::path::PathBuf),
    Url { url: Url, http: HttpClient },
}

impl std::fmt::Debug for Fetcher {
    /// A URL shows its scheme and host only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fetcher::Path(path) => f.debug_tuple("Path").field(path).finish(),
            Fetcher::Url { url, .. } => f.debug_tuple("Url").field(&Source::Url(url.to_string()).redacted()).finish(),
        }
    }
}

impl Fetcher {
    /// Checks a URL and builds its client (no request is sent).
    pub fn new(source: &Source) -> Result<Fetcher, ConnectorError> {
        match source {
            Source::Path(path) => Ok(Fetcher::Path(path.clone())),
            Source::Url(text) => {
                let url = Url::parse(text.trim()).map_err(|e| {
                    ConnectorError::Invalid(format!("source `{}` is not a valid URL: {e}", source.redacted()))
                })?;
                let settings = HttpSettings::new(format!("{}://{}", url.scheme(), url.authority()))
                    .with_timeouts(Duration::from_secs(10), Duration::from_secs(60));
                Ok(Fetcher::Url { url, http: HttpClient::new(&settings)? })
            }
        }
    }

    /// Reads the file.
    pub async fn fetch(&self) -> Result<Download, ConnectorError> {
        match self {
            Fetcher::Path(path) => read_file(path).await,
            Fetcher::Url { url, http } => download(http, url.clone()).await,
        }
    }
}

async fn read_file(path: &std::path::Path) -> Result<Download, ConnectorError> {
    let shown = path.display();
    let bytes = tokio::fs::read(path).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::PermissionDenied => ConnectorError::Invalid(format!("cannot read {shown}: {e}")),
        // Not found included: editors save by renaming, and shares come and go.
        _ => ConnectorError::transient(format!("cannot read {shown}: {e}")),
    })?;
    if bytes.len() > MAX_BYTES {
        return Err(ConnectorError::Invalid(format!("{shown} is larger than {MAX_BYTES} bytes")));
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    Ok(Download { bytes, name, content_type: None })
}

async fn download(http: &HttpClient, mut url: Url) -> Result<Download, ConnectorError> {
    for _ in 0..=MAX_REDIRECTS {
        let response = http.inner().get(url.clone()).send().await.map_err(|e| send_error(&e))?;
        if response.status().is_redirection() && response.status() != StatusCode::NOT_MODIFIED {
            url = redirect_target(&url, response.headers())?;
            continue;
        }
        let response = classify(response).await?;
        let content_type = header_text(response.headers(), header::CONTENT_TYPE);
        let name = header_text(response.headers(), header::CONTENT_DISPOSITION)
            .and_then(|d| disposition_filename(&d))
            .or_else(|| url.path_segments().and_then(|mut s| s.rfind(|p| !p.is_empty())).map(str::to_string));
        let bytes = read_body(response).await?;
        return Ok(Download { bytes, name, content_type });
    }
    Err(ConnectorError::Invalid(format!("more than {MAX_REDIRECTS} redirects")))
}

fn redirect_target(from: &Url, headers: &header::HeaderMap) -> Result<Url, ConnectorError> {
    let location = header_text(headers, header::LOCATION)
        .ok_or_else(|| ConnectorError::Invalid("a redirect without a Location".into()))?;
    let to = from.join(&location).map_err(|e| ConnectorError::Invalid(format!("a redirect to a bad URL: {e}")))?;
    match (from.scheme(), to.scheme()) {
        (_, "https") | ("http", "http") => Ok(to),
        _ => Err(ConnectorError::Invalid(format!(
            "a redirect from {} to {}:// is not followed",
            from.scheme(),
            to.scheme()
        ))),
    }
}

async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, ConnectorError> {
    if response.content_length().is_some_and(|n| n > MAX_BYTES as u64) {
        return Err(ConnectorError::Invalid(format!("the file is larger than {MAX_BYTES} bytes")));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| send_error(&e))? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_BYTES {
            return Err(ConnectorError::Invalid(format!("the file is larger than {MAX_BYTES} bytes")));
        }
    }
    Ok(bytes)
}

fn header_text(headers: &header::HeaderMap, name: header::HeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// `attachment; filename="Programme.ods"` → `Programme.ods` (RFC 6266's `filename*` too).
pub(crate) fn disposition_filename(value: &str) -> Option<String> {
    let mut plain = None;
    for part in value.split(';').map(str::trim) {
        if let Some(v) = part.strip_prefix("filename*=") {
            let encoded = v.rsplit('\'').next().unwrap_or(v);
            return Some(percent_decode(encoded));
        }
        if let Some(v) = part.strip_prefix("filename=") {
            plain = Some(v.trim_matches('"').to_string());
        }
    }
    plain.filter(|n| !n.is_empty())
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let (mut out, mut i) = (Vec::with_capacity(bytes.len()), 0);
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A request that did not complete, without its URL (it may carry a share token).
fn send_error(e: &reqwest::Error) -> ConnectorError {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let mut text = String::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    ConnectorError::transient(format!("downloading the sheet {what}{text}"))
}
