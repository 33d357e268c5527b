//! What the process sets for itself at start: files it creates are its owner's only (umask
//! 077: the database, backups, certificates, logs), and it may hold as many open files as the
//! system allows it (the soft descriptor limit raised to the hard one: every connection and
//! live stream is a descriptor, and the default 1024 runs out under load).

/// The process's limit on open files after [`raise_fd_limit`]: `(soft, hard)`, `None` when
/// unlimited or unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdLimit {
    pub soft: Option<u64>,
    pub hard: Option<u64>,
}

/// Files and directories created from now on are readable by their owner only.
#[cfg(unix)]
pub fn restrict_umask() {
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

#[cfg(not(unix))]
pub fn restrict_umask() {}

/// Raises the soft limit on open files to the hard one; the limits in force afterwards.
#[cfg(unix)]
pub fn raise_fd_limit() -> FdLimit {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        let raised = rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            tracing::warn!(error = %e, "cannot raise the open-file limit");
        }
    }
    let now = getrlimit(Resource::Nofile);
    FdLimit {
        soft: now.current,
        hard: now.maximum,
    }
}

#[cfg(not(unix))]
pub fn raise_fd_limit() -> FdLimit {
    FdLimit {
        soft: None,
        hard: None,
    }
}
