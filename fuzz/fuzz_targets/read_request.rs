//! Fuzz target: bytes -> charset decoding -> envelope -> typed request (`http::endpoint::read_request`), the pure
//! reader every SOAP request goes through. Invariant: no panic, whatever the bytes; every refusal names a field.
#![no_main]

use libfuzzer_sys::fuzz_target;
use usergate::app::Policy;
use usergate::http::endpoint::{Charset, Rejected, decode_text, read_request};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the declared charset, as a Content-Type would; the rest is the body.
    let Some((&pick, body)) = data.split_first() else { return };
    let charset = if pick & 1 == 0 { Charset::Utf8 } else { Charset::Utf16 };
    let Ok(text) = decode_text(body, charset) else { return };
    let policy = Policy::default();
    match read_request(&text, None, &policy) {
        Ok(_) => {}
        Err(Rejected::Envelope(fault)) => assert!(fault.info.contains(':'), "{fault:?}"),
        Err(Rejected::Field { error, .. }) => assert!(error.info.contains(':'), "{error:?}"),
    }
});
