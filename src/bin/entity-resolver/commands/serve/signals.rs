//! The signals `serve` answers: SIGTERM and Ctrl-C drain it, SIGHUP reloads
//! the alias table.

use std::sync::Arc;

use entity_resolver::reload::Reloader;

/// How long after the drain time the signal thread ends the process itself
/// when the server has not stopped by then (its connections are severed at
/// the end of the drain time and given one second to close).
const SHUTDOWN_MARGIN: std::time::Duration = std::time::Duration::from_secs(2);

/// SIGTERM and Ctrl-C, watched on a thread of their own so that shutdown
/// keeps its promise even while every async worker is busy: the first signal
/// starts the drain; if the server has not stopped `SHUTDOWN_MARGIN` after
/// the drain time, the process exits 0 anyway (logged); a second signal
/// exits at once with 128 + its number (130 for Ctrl-C, 143 for SIGTERM),
/// the code a shell gives a process killed by that signal, so a supervisor
/// sees that this shutdown did not finish its calls.
pub struct ShutdownSignals {
    /// Completes on the first signal.
    pub first: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
}

impl ShutdownSignals {
    pub fn watch(drain: std::time::Duration) -> std::io::Result<ShutdownSignals> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let mut signals = {
            let _context = runtime.enter();
            Signals::listen()?
        };
        let (begin, first) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("shutdown-signals".to_string())
            .spawn(move || {
                runtime.block_on(async move {
                    let signal = signals.next().await;
                    tracing::info!("{} received", signal.name());
                    let _ = begin.send(());
                    tokio::select! {
                        signal = signals.next() => {
                            tracing::warn!(
                                exit_code = signal.exit_code(),
                                "second {} received: exiting at once, cutting off every call",
                                signal.name()
                            );
                            std::process::exit(signal.exit_code());
                        }
                        () = tokio::time::sleep(drain + SHUTDOWN_MARGIN) => {
                            tracing::warn!(
                                drain_seconds = drain.as_secs_f64(),
                                "still running after the drain time: exiting, cutting off the work left"
                            );
                            std::process::exit(0);
                        }
                    }
                })
            })?;
        Ok(ShutdownSignals {
            first: Box::pin(async move {
                let _ = first.await;
            }),
        })
    }
}

#[derive(Clone, Copy)]
enum ShutdownSignal {
    Terminate,
    Interrupt,
}

impl ShutdownSignal {
    fn name(self) -> &'static str {
        match self {
            ShutdownSignal::Terminate => "SIGTERM",
            ShutdownSignal::Interrupt => "Ctrl-C (SIGINT)",
        }
    }

    fn exit_code(self) -> i32 {
        match self {
            ShutdownSignal::Terminate => 128 + 15,
            ShutdownSignal::Interrupt => 128 + 2,
        }
    }
}

/// Ctrl-C and SIGTERM (what Kubernetes and systemd send to start a graceful
/// shutdown), registered once so that no signal is missed between waits.
struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    fn listen() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Signals {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    async fn next(&mut self) -> ShutdownSignal {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.terminate.recv() => ShutdownSignal::Terminate,
                _ = self.interrupt.recv() => ShutdownSignal::Interrupt,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            ShutdownSignal::Interrupt
        }
    }
}

/// Reloads the table on each SIGHUP, the Unix way to tell a daemon to reread
/// its files. It needs no token: sending it takes local access already.
pub async fn reload_on_hangup(reloader: Arc<Reloader>) {
    #[cfg(unix)]
    {
        let mut hangups = match tokio::signal::unix::signal(
            tokio::signal::unix::SignalKind::hangup(),
        ) {
            Ok(signal) => signal,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGHUP: reload through AdminService only");
                return;
            }
        };
        while hangups.recv().await.is_some() {
            tracing::info!(source = %reloader.source().describe(), "SIGHUP received: reloading the alias table");
            // The reloader logs the outcome, success or refusal, itself.
            let _ = reloader.reload().await;
        }
    }
    #[cfg(not(unix))]
    let _ = reloader;
}
