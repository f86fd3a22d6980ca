//! Ironhouse: CURVE authentication both ways. The client knows the server's public key, so
//! it cannot be fooled by an impostor; the server's [`Authenticator`] lets in only the
//! client keys it was given (here one), so nobody else may connect, and everything on the
//! wire is encrypted. A second client with a key of its own is refused.
//!
//! `cargo run --example ironhouse`
//!
//! In a real deployment each side generates its key pair once (`CurveKeyPair::generate`,
//! or `zmq_curve_keypair` in C), keeps the secret half to itself, and hands out the public
//! half as 40 Z85 characters; the server loads the allowed client keys from a directory of
//! certificates with [`Authenticator::load_curve_keys_from_dir`].

use std::process::ExitCode;
use std::time::Duration;

use ferrozmq::CurveKeyPair;
use ferrozmq::{Authenticator, Context, Error, Rep, Req};

const TIMEOUT: Duration = Duration::from_secs(5);

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ironhouse: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Error> {
    let ctx = Context::new();
    let server_keys = CurveKeyPair::generate()?;
    let client_keys = CurveKeyPair::generate()?;

    // The server's side: a ZAP handler that knows the one client key, and a CURVE server.
    let auth = Authenticator::start(&ctx)?;
    auth.allow("127.0.0.1");
    auth.set_curve_keys("*", [client_keys.public]);
    let server = Rep::new(&ctx)?;
    server.set_curve_server(true)?;
    server.set_curve_secret_key(server_keys.secret.clone())?;
    server.set_rcvtimeo(Some(TIMEOUT))?;
    server.bind("tcp://127.0.0.1:*")?;
    let endpoint = server
        .last_endpoint()
        .expect("a bound socket has an endpoint");
    println!(
        "server: listening at {endpoint}, public key {}",
        server_keys.public
    );

    // The client's side: its own key pair, and the server's public key.
    let client = Req::new(&ctx)?;
    client.set_curve_server_key(server_keys.public)?;
    client.set_curve_public_key(client_keys.public)?;
    client.set_curve_secret_key(client_keys.secret.clone())?;
    client.set_rcvtimeo(Some(TIMEOUT))?;
    client.connect(&endpoint)?;

    client.send("Hello")?;
    let (request, properties) = server.recv_with_properties()?;
    let user = properties
        .as_ref()
        .and_then(|p| p.get("User-Id"))
        .unwrap_or("?")
        .to_owned();
    println!(
        "server: {:?} from the client whose key is {user}",
        String::from_utf8_lossy(&request.frames()[0])
    );
    server.send("World")?;
    let reply = client.recv()?;
    println!("client: {:?}", String::from_utf8_lossy(&reply.frames()[0]));

    // An intruder: a valid CURVE client, but with a key the server does not know.
    let intruder_keys = CurveKeyPair::generate()?;
    let intruder = Req::new(&ctx)?;
    intruder.set_curve_server_key(server_keys.public)?;
    intruder.set_curve_public_key(intruder_keys.public)?;
    intruder.set_curve_secret_key(intruder_keys.secret.clone())?;
    intruder.set_linger(Some(Duration::ZERO))?;
    intruder.set_rcvtimeo(Some(Duration::from_millis(500)))?;
    intruder.connect(&endpoint)?;
    intruder.send("Let me in")?;
    match intruder.recv() {
        Err(Error::Again) => println!("intruder: refused, no answer"),
        Ok(_) => return Err(Error::Invalid("the server answered an unknown key")),
        Err(e) => return Err(e),
    }
    Ok(())
}
