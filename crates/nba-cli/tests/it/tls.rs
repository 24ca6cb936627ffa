//! End to end: `nba-mcp serve --tls-cert --tls-key` with a self-signed certificate made by
//! rcgen. HTTPS answers with TLS 1.3, refuses a TLS-1.2-only client unless
//! NBA_MCP_TLS_MIN_VERSION=1.2, gives no HTTP answer to plain HTTP and keeps serving after it,
//! shuts down on SIGTERM; bad certificate files and plain HTTP on a public address stop
//! start-up with a message naming the file or the setting. Every wait has a deadline.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, ProtocolVersion, SupportedProtocolVersion};

const BIN: &str = env!("CARGO_BIN_EXE_nba-mcp");
const START_DEADLINE: Duration = Duration::from_secs(60);
const IO_TIMEOUT: Duration = Duration::from_secs(10);

struct Temp(PathBuf);
impl Temp {
    fn new(tag: &str) -> Temp {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p = std::env::temp_dir().join(format!("nba_tls_{tag}_{}_{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        Temp(p)
    }
}
impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A self-signed certificate for 127.0.0.1 and localhost, written as PEM files in `dir`.
struct Cert {
    der: CertificateDer<'static>,
    cert: PathBuf,
    key: PathBuf,
}

fn make_cert(dir: &Path, name: &str) -> Cert {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
        .expect("self-signed certificate");
    let (cert, key) = (
        dir.join(format!("{name}.crt.pem")),
        dir.join(format!("{name}.key.pem")),
    );
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    Cert {
        der: made.cert.der().clone(),
        cert,
        key,
    }
}

/// The binary with its own empty store in `dir` and no auto-load (start-up in about a second).
fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env("DATABASE_URL", format!("sqlite://{}/nba.db", dir.display()))
        .env("NBA_MCP_STATE_DIR", dir)
        .env("NBA_MCP_MODEL_STORE", dir)
        .env("NBA_MCP_AUTO_LOAD", "false")
        .env("LOG_LEVEL", "warn");
    for key in [
        "NBA_MCP_DATA_DIR",
        "NBA_MCP_BIND",
        "NBA_MCP_TLS_CERT",
        "NBA_MCP_TLS_KEY",
        "NBA_MCP_TLS_MIN_VERSION",
        "NBA_MCP_ALLOW_PLAIN_HTTP",
    ] {
        c.env_remove(key);
    }
    c
}

/// A running server, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path, cert: &Cert, env: &[(&str, &str)]) -> Server {
    let mut cmd = command(
        dir,
        &[
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--tls-cert",
            cert.cert.to_str().unwrap(),
            "--tls-key",
            cert.key.to_str().unwrap(),
        ],
    );
    cmd.envs(env.iter().copied()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start nba-mcp serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    // Reads stderr to the end so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(i) = line.find("nba-mcp listening on ") {
                let _ = tx.send(Ok(line[i + "nba-mcp listening on ".len()..].to_string()));
            } else {
                let _ = tx.send(Err(line));
            }
        }
    });
    let deadline = Instant::now() + START_DEADLINE;
    let mut seen = Vec::new();
    let url = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Ok(url)) => break url,
            Ok(Err(line)) => seen.push(line),
            Err(_) => panic!("server did not start; stderr:\n{}", seen.join("\n")),
        }
    };
    let addr = url
        .strip_prefix("https://")
        .unwrap_or_else(|| panic!("not an https address: {url}"))
        .parse()
        .unwrap();
    Server { child, addr }
}

fn client(
    ca: &CertificateDer<'static>,
    versions: &[&'static SupportedProtocolVersion],
) -> Arc<ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    Arc::new(
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// GET `path` over HTTPS to 127.0.0.1: the raw response and the negotiated TLS version.
fn https_get(
    addr: SocketAddr,
    config: Arc<ClientConfig>,
    path: &str,
) -> std::io::Result<(String, Option<ProtocolVersion>)> {
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let conn = ClientConnection::new(config, name).unwrap();
    let tcp = TcpStream::connect(addr)?;
    tcp.set_read_timeout(Some(IO_TIMEOUT))?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    write!(
        tls,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    let mut body = Vec::new();
    match tls.read_to_end(&mut body) {
        Ok(_) => {}
        // A peer closing without close_notify still delivered its whole response.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !body.is_empty() => {}
        Err(e) => return Err(e),
    }
    Ok((
        String::from_utf8_lossy(&body).into_owned(),
        tls.conn.protocol_version(),
    ))
}

#[test]
fn https_serves_tls13_and_refuses_tls12_and_plain_http() {
    let t = Temp::new("serve");
    let cert = make_cert(&t.0, "server");
    let mut server = start(&t.0, &cert, &[]);

    let (response, version) = https_get(
        server.addr,
        client(&cert.der, rustls::ALL_VERSIONS),
        "/live",
    )
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert_eq!(version, Some(ProtocolVersion::TLSv1_3));

    let old = https_get(
        server.addr,
        client(&cert.der, &[&rustls::version::TLS12]),
        "/live",
    );
    assert!(old.is_err(), "a TLS-1.2-only client was served: {old:?}");

    // Plain HTTP to the TLS port gets no HTTP answer, and the server goes on serving.
    let mut tcp = TcpStream::connect(server.addr).unwrap();
    tcp.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    tcp.write_all(b"GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut plain = Vec::new();
    let _ = tcp.read_to_end(&mut plain);
    assert!(
        !plain.starts_with(b"HTTP/1.1 200"),
        "plain HTTP was answered: {}",
        String::from_utf8_lossy(&plain)
    );
    let (response, _) = https_get(
        server.addr,
        client(&cert.der, rustls::ALL_VERSIONS),
        "/live",
    )
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    // SIGTERM: graceful shutdown ends the process cleanly.
    let pid = server.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "server did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit after SIGTERM: {status}");
}

#[test]
fn tls12_is_served_when_allowed() {
    let t = Temp::new("tls12");
    let cert = make_cert(&t.0, "server");
    let server = start(&t.0, &cert, &[("NBA_MCP_TLS_MIN_VERSION", "1.2")]);
    let (response, version) = https_get(
        server.addr,
        client(&cert.der, &[&rustls::version::TLS12]),
        "/live",
    )
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert_eq!(version, Some(ProtocolVersion::TLSv1_2));
}

fn serve_fails(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out: Output = command(dir, &[&["serve"], args].concat())
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(!out.status.success(), "serve {args:?} started");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_certificate_files_stop_start_up_naming_the_file() {
    let t = Temp::new("badcert");
    let good = make_cert(&t.0, "good");
    let other = make_cert(&t.0, "other");
    let (key, cert) = (good.key.to_str().unwrap(), good.cert.to_str().unwrap());
    let bind = ["--bind", "127.0.0.1:0"];

    let missing = t.0.join("missing.pem");
    let missing = missing.to_str().unwrap();
    let e = serve_fails(
        &t.0,
        &[&bind[..], &["--tls-cert", missing, "--tls-key", key]].concat(),
        &[],
    );
    assert!(e.contains(missing) && e.contains("--tls-cert"), "{e}");

    let text = t.0.join("notes.txt");
    std::fs::write(&text, "not a certificate\n").unwrap();
    let text = text.to_str().unwrap();
    let e = serve_fails(
        &t.0,
        &[&bind[..], &["--tls-cert", text, "--tls-key", key]].concat(),
        &[],
    );
    assert!(e.contains(text) && e.contains("no PEM certificate"), "{e}");
    let e = serve_fails(
        &t.0,
        &[&bind[..], &["--tls-cert", cert, "--tls-key", cert]].concat(),
        &[],
    );
    assert!(e.contains(cert) && e.contains("no PEM private key"), "{e}");

    let other_key = other.key.to_str().unwrap();
    let e = serve_fails(
        &t.0,
        &[&bind[..], &["--tls-cert", cert, "--tls-key", other_key]].concat(),
        &[],
    );
    assert!(e.contains(other_key) && e.contains("does not match"), "{e}");

    let e = serve_fails(&t.0, &[&bind[..], &["--tls-cert", cert]].concat(), &[]);
    assert!(e.contains("NBA_MCP_TLS_KEY"), "{e}");
    let e = serve_fails(&t.0, &bind, &[("NBA_MCP_TLS_MIN_VERSION", "1.0")]);
    assert!(e.contains("NBA_MCP_TLS_MIN_VERSION"), "{e}");
}

#[test]
fn plain_http_on_a_public_address_is_refused() {
    let t = Temp::new("plain");
    let e = serve_fails(&t.0, &["--bind", "0.0.0.0:0"], &[]);
    assert!(e.contains("NBA_MCP_ALLOW_PLAIN_HTTP"), "{e}");
}
