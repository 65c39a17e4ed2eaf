//! Bench-only helpers that `bench/run.sh` runs beside usergate, in the same run (BENCHMARKS.md):
//!
//! `bench_tools bare PORT` is the reference limit: hyper 1.x on tokio (one worker per allowed core, as usergate),
//! collects the request body and answers a fixed SOAP reply, on 127.0.0.1:PORT, until killed.
//! `bench_tools commit-loop DIR SECONDS` is the raw durable-write reference: one-row transactions, each committed
//! with `synchronous=FULL` in WAL mode (usergate's settings) in a fresh database under DIR, for SECONDS; it prints
//! `commits N seconds S per_second R`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, body::Incoming, header};
use hyper_util::rt::TokioIo;

/// The size of a usergate GetUser reply is about 1 KB; the peers' bare server answers 433 bytes. This is theirs.
const REPLY: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">"#,
    r#"<soap:Body><u:GetUserResponse xmlns:u="urn:example:users"><u:user><u:id>42</u:id><u:user_name>alice"#,
    r#"</u:user_name><u:email>alice@example.org</u:email><u:created_at>2024-01-02T03:04:05Z</u:created_at></u:user>"#,
    "</u:GetUserResponse></soap:Body></soap:Envelope>"
);

async fn reply(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    // The body is read (as any server must) and ignored.
    let _ = Limited::new(req.into_body(), 1 << 20).collect().await;
    let mut r = Response::new(Full::new(Bytes::from_static(REPLY.as_bytes())));
    r.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/xml; charset=utf-8"));
    Ok(r)
}

fn bare(port: u16) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| e.to_string())?;
        loop {
            let (stream, _) = listener.accept().await.map_err(|e| e.to_string())?;
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service_fn(reply)).await;
            });
        }
    })
}

fn commit_loop(dir: &str, seconds: u64) -> Result<(), String> {
    let path = std::path::Path::new(dir).join("commit-loop.db");
    let _ = std::fs::remove_file(&path);
    let conn = rusqlite::Connection::open(&path).map_err(|e| e.to_string())?;
    conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| e.to_string())?;
    conn.pragma_update(None, "synchronous", "FULL").map_err(|e| e.to_string())?;
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, at INTEGER NOT NULL)").map_err(|e| e.to_string())?;
    let start = Instant::now();
    let limit = Duration::from_secs(seconds);
    let mut n: i64 = 0;
    while start.elapsed() < limit {
        let tx = conn.unchecked_transaction().map_err(|e| e.to_string())?;
        tx.execute("INSERT INTO t (at) VALUES (?1)", [n]).map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| e.to_string())?;
        n += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!("commits {n} seconds {secs:.2} per_second {:.1}", n as f64 / secs);
    drop(conn);
    let _ = std::fs::remove_file(&path);
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["bare", port] => port.parse().map_err(|_| format!("bad port {port}")).and_then(bare),
        ["commit-loop", dir, secs] => {
            secs.parse().map_err(|_| format!("bad seconds {secs}")).and_then(|s| commit_loop(dir, s))
        }
        _ => Err("usage: bench_tools bare PORT | commit-loop DIR SECONDS".into()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_tools: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
