//! The service manager's readiness protocol (systemd's `sd_notify(3)`):
//! datagrams of `KEY=value` lines to the socket named by `$NOTIFY_SOCKET`,
//! saying when the server is ready, reloading or stopping, and a status
//! line for `systemctl status`.
//!
//! Without `$NOTIFY_SOCKET` (not started by a service manager that asked
//! for notifications) every call does nothing. A failed notification is
//! logged and otherwise ignored: the server serves either way, and systemd
//! reports a missing `READY=1` by its start timeout.
//!
//! Written on `std` rather than a crate: the crates at hand do not accept
//! an abstract socket name (`@…`), which systemd and other supervisors may
//! hand out, and `std` reaches one without `unsafe`.

use std::ffi::OsString;
use std::io;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};

const NOTIFY_SOCKET: &str = "NOTIFY_SOCKET";

/// Whether a service manager listens for notifications.
pub fn enabled() -> bool {
    std::env::var_os(NOTIFY_SOCKET).is_some()
}

/// Startup (or a reload) is complete: the server accepts connections.
pub fn ready(status: &str) {
    send(&format!("READY=1\nSTATUS={status}\n"));
}

/// A reload begins. systemd wants the monotonic clock with it, to tell this
/// reload from one it asked for earlier; `ready` ends it.
pub fn reloading() {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    let usec = now.tv_sec as u64 * 1_000_000 + now.tv_nsec as u64 / 1_000;
    send(&format!(
        "RELOADING=1\nMONOTONIC_USEC={usec}\nSTATUS=Reloading the TLS certificate\n"
    ));
}

/// Shutdown has begun.
pub fn stopping() {
    send("STOPPING=1\nSTATUS=Stopping: finishing in-flight requests\n");
}

/// A new status line, nothing else.
pub fn status(status: &str) {
    send(&format!("STATUS={status}\n"));
}

fn send(message: &str) {
    let Some(target) = std::env::var_os(NOTIFY_SOCKET) else {
        return;
    };
    if let Err(e) = send_to(&target, message) {
        tracing::warn!(socket = ?target, error = %e, "could not notify the service manager");
    }
}

fn send_to(target: &OsString, message: &str) -> io::Result<()> {
    let bytes = target.as_bytes();
    let address = match bytes.first() {
        Some(b'/') => SocketAddr::from_pathname(target)?,
        // `@name`: a socket in the abstract namespace, named without the @.
        Some(b'@') => SocketAddr::from_abstract_name(&bytes[1..])?,
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "NOTIFY_SOCKET is neither a path nor an abstract name (@…)",
            ));
        }
    };
    let socket = UnixDatagram::unbound()?;
    let sent = socket.send_to_addr(message.as_bytes(), &address)?;
    if sent != message.len() {
        return Err(io::Error::new(
            io::ErrorKind::WriteZero,
            "the notification was cut short",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaches_a_path_and_an_abstract_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        send_to(&path.clone().into_os_string(), "READY=1\n").unwrap();
        let mut buf = [0u8; 64];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\n");

        let name = format!("tresor-test-{}", std::process::id());
        let abstract_listener =
            UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap())
                .unwrap();
        send_to(&OsString::from(format!("@{name}")), "STOPPING=1\n").unwrap();
        let n = abstract_listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"STOPPING=1\n");
    }

    #[test]
    fn refuses_an_address_it_cannot_read() {
        let err = send_to(&OsString::from("vsock:2:1234"), "READY=1\n").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
