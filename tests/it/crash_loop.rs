//! Crash loop (issue 5, after SQLite's crash tests): a child `usergate serve` takes concurrent writes (CreateUser,
//! UpdateUser, BlockUser) from several clients and is SIGKILLed at a random moment, 20 rounds. After each restart
//! `PRAGMA integrity_check` is ok and every write acknowledged before the kill is there: the clients track what
//! was acknowledged; an unacknowledged write may or may not have landed, nothing else may differ.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{OWNER_PASSWORD, Resp, envelope, parse_response, user_children};

const BIN: &str = env!("CARGO_BIN_EXE_usergate");
const ROUNDS: usize = 20;
const CLIENTS: usize = 4;

/// A user's state as the server must hold it: what the client saw acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct UserState {
    exists: bool,
    /// UpdateUser writes nickname `v<n>`; 0 is the nickname CreateUser gave.
    nick: u32,
    blocked: bool,
}

#[derive(Debug, Clone, Copy)]
enum Write {
    Create,
    Update(u32),
    Block,
}

impl UserState {
    fn after(self, w: Write) -> UserState {
        match w {
            Write::Create => UserState { exists: true, nick: 0, blocked: false },
            Write::Update(n) => UserState { nick: n, ..self },
            Write::Block => UserState { blocked: true, ..self },
        }
    }
}

/// Per user: the acknowledged state and the write in flight when the server died (if any).
type Ledger = BTreeMap<String, (UserState, Option<Write>)>;

/// A tiny deterministic generator (the seed is printed, so a failing run can be replayed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

fn serve(db: &Path) -> Server {
    let mut child = Command::new(BIN)
        .args(["--db", db.to_str().expect("utf-8 path"), "serve", "--listen", "127.0.0.1:0"])
        .env("USERGATE_BOOTSTRAP_PASSWORD", OWNER_PASSWORD)
        .env_remove("USERGATE_CONFIG")
        .env("RUST_LOG", "warn,usergate=info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn usergate");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    // Keeps draining stderr after the listening line, so the child never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("usergate listening on http://").nth(1)
                && let Some(tx) = tx.take()
            {
                let _ = tx.send(rest.trim_end_matches("/SOAP/").to_owned());
            }
        }
    });
    let addr = rx.recv_timeout(Duration::from_secs(30)).expect("usergate starts");
    Server { child, addr: addr.parse().expect("listening address") }
}

/// One POST; `None` when the connection failed or the answer was cut (the server died).
async fn call(addr: SocketAddr, op: &str, children: &str) -> Option<Resp> {
    let body = envelope(op, children);
    let req = format!(
        "POST /SOAP/ HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: text/xml; charset=utf-8\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut s = TcpStream::connect(addr).await.ok()?;
    s.write_all(req.as_bytes()).await.ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.ok()?;
    let r = parse_response(&buf);
    // A complete answer ends with the envelope; anything shorter was cut by the kill.
    (r.status != 0 && r.body.trim_end().ends_with("Envelope>")).then_some(r)
}

async fn login(addr: SocketAddr) -> String {
    let c = format!(
        "<user_name>owner</user_name><customer_name>default</customer_name><password>{OWNER_PASSWORD}</password>"
    );
    let r = call(addr, "SessionLogin", &c).await.expect("login answered");
    r.field("token").unwrap_or_else(|| panic!("login failed: {}", r.body))
}

/// A client's loop: for user after user, create, rename the nickname twice, block; until the server dies.
async fn client(addr: SocketAddr, token: String, prefix: String, ledger: Arc<Mutex<Ledger>>) {
    for i in 0.. {
        let name = format!("{prefix}u{i}");
        for w in [Write::Create, Write::Update(1), Write::Update(2), Write::Block] {
            ledger.lock().unwrap().entry(name.clone()).or_default().1 = Some(w);
            let r = match w {
                Write::Create => call(addr, "CreateUser", &user_children(&token, &name, "crash-pass-1", "")).await,
                Write::Update(n) => {
                    let c = format!("<token>{token}</token><user_name>{name}</user_name><nickname>v{n}</nickname>");
                    call(addr, "UpdateUser", &c).await
                }
                Write::Block => {
                    call(addr, "BlockUser", &format!("<token>{token}</token><user_name>{name}</user_name>")).await
                }
            };
            let Some(r) = r else { return };
            assert!(r.is_success(), "{name} {w:?}: {}", r.body);
            let mut l = ledger.lock().unwrap();
            let entry = l.get_mut(&name).expect("entry");
            *entry = (entry.0.after(w), None);
        }
    }
}

/// The state the server holds for `name`, read over SOAP.
async fn stored(addr: SocketAddr, token: &str, name: &str) -> UserState {
    let r = call(addr, "GetUser", &format!("<token>{token}</token><user_name>{name}</user_name>")).await;
    let r = r.expect("GetUser answered");
    if r.err_cd().as_deref() == Some("NOT_FOUND") {
        return UserState::default();
    }
    assert!(r.is_success(), "GetUser {name}: {}", r.body);
    let nick = r.data_field("nickname").expect("nickname");
    UserState {
        exists: true,
        nick: nick.strip_prefix('v').and_then(|n| n.parse().ok()).unwrap_or(0),
        blocked: r.data_field("status").as_deref() == Some("blocked"),
    }
}

fn integrity_check(db: &Path) {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open the database");
    let result: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check");
    assert_eq!(result, "ok", "integrity_check after a SIGKILL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkilled_server_keeps_every_acknowledged_write() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("crash.db");
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1) | 1;
    println!("crash loop seed {seed}");
    let mut rng = Rng(seed);
    let ledger: Arc<Mutex<Ledger>> = Arc::default();
    let mut token: Option<String> = None;
    let (mut acked_total, mut in_flight_total) = (0usize, 0usize);
    for round in 0..=ROUNDS {
        let mut server = serve(&db);
        let addr = server.addr;
        integrity_check(&db);
        // Sessions are rows like any other: the token from before the kill still works.
        let live = match &token {
            Some(t) => {
                call(addr, "SessionIsAlive", &format!("<token>{t}</token>")).await.is_some_and(|r| r.is_success())
            }
            None => false,
        };
        if !live {
            token = Some(login(addr).await);
        }
        let t = token.clone().expect("token");

        // Every write acknowledged before the last kill is there; the one in flight may or may not be.
        let snapshot = ledger.lock().unwrap().clone();
        for (name, (acked, pending)) in &snapshot {
            let got = stored(addr, &t, name).await;
            let ok = got == *acked || pending.is_some_and(|w| got == acked.after(w));
            assert!(ok, "round {round}, {name}: stored {got:?}, acknowledged {acked:?}, in flight {pending:?}");
            acked_total += usize::from(acked.exists);
            in_flight_total += usize::from(pending.is_some());
        }
        // Settle the ledger on what is stored, so the next round starts from known states.
        for (name, (_, pending)) in &snapshot {
            if pending.is_some() {
                let now = stored(addr, &t, name).await;
                ledger.lock().unwrap().insert(name.clone(), (now, None));
            }
        }
        if round == ROUNDS {
            let _ = server.child.kill();
            let _ = server.child.wait();
            break;
        }

        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| tokio::spawn(client(addr, t.clone(), format!("r{round}c{c}"), Arc::clone(&ledger))))
            .collect();
        tokio::time::sleep(Duration::from_millis(rng.between(150, 1200))).await;
        server.child.kill().expect("SIGKILL");
        server.child.wait().expect("reaped");
        for c in clients {
            c.await.expect("client task");
        }
    }
    let users = ledger.lock().unwrap().len();
    let summary = format!(
        "crash loop (seed {seed}): {ROUNDS} kills, {users} users written, {acked_total} checks of an acknowledged user and \
         {in_flight_total} of a write in flight at the kill\n"
    );
    // Also in a file: the harness swallows a passing test's output; tests/all.sh prints this line.
    print!("{summary}");
    let _ = std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join("crash-loop.txt"), summary);
    assert!(users >= ROUNDS, "the clients wrote too little to test anything: {users} users");
}
