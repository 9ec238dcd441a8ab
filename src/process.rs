//! The process itself: what uppsok sets before it reads a passphrase or opens a database.

/// Hardens the running process (unix; elsewhere it does nothing). Called first thing in
/// `main`:
///
/// - no core dumps: `RLIMIT_CORE` is set to 0 (soft and hard, so nothing started later can
///   raise it) and the process is marked not dumpable (`PR_SET_DUMPABLE` 0 on Linux), so a
///   crash leaves no key, passphrase or note on disk, and other processes of the same user
///   cannot attach to it or read its memory through `/proc`;
/// - files it or SQLite creates (the WAL, shared memory, exports) are private to the owner
///   (`umask 077`).
///
/// Each call is best effort: a refusal by the system leaves that protection off but does not
/// stop uppsok (none of them can fail for an unprivileged process lowering its own limits).
pub fn harden_process() {
    #[cfg(unix)]
    // SAFETY: these calls take plain values or a pointer to a local, initialised struct, and
    // change only this process's own settings.
    unsafe {
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::setrlimit(libc::RLIMIT_CORE, &none);
        #[cfg(any(target_os = "linux", target_os = "android"))]
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
        libc::umask(0o077);
    }
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    #[test]
    fn a_hardened_process_is_not_dumpable_and_has_no_core_limit() {
        super::harden_process();
        // SAFETY: plain queries of this process's own settings into a local struct.
        unsafe {
            assert_eq!(libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
            let mut limit = libc::rlimit {
                rlim_cur: 1,
                rlim_max: 1,
            };
            assert_eq!(libc::getrlimit(libc::RLIMIT_CORE, &mut limit), 0);
            assert_eq!((limit.rlim_cur, limit.rlim_max), (0, 0));
        }
    }
}
