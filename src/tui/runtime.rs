//! The terminal and the event loop: input on its own thread, backend calls in tokio's blocking
//! pool, results back over one channel; events are drained, then drawn at most every ~16 ms.
use super::action::{Action, Effect};
use super::app::{App, Options};
use super::backend::Backend;
use super::update::{start, update};
use crate::error::{Error, Result};
use crossterm::event::{self, Event};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const FRAME: Duration = Duration::from_millis(16);

/// One background job of a kind at a time; a newer request replaces any waiting one, so the
/// latest request wins and stale ones are never even started.
#[derive(Default)]
struct Single {
    running: bool,
    waiting: Option<Effect>,
}

struct Runner {
    backend: Arc<dyn Backend>,
    tx: mpsc::UnboundedSender<Action>,
    search: Single,
    detail: Single,
    config_path: Option<PathBuf>,
}

impl Runner {
    fn spawn(&self, fx: Effect, now: chrono::DateTime<chrono::Utc>) {
        let backend = self.backend.clone();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let what = format!("{fx:?}").chars().take(60).collect::<String>();
            let failed = fx.clone();
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let sender = tx.clone();
                super::harness::execute_each(backend.as_ref(), now, fx, &mut |a| {
                    let _ = sender.send(a);
                })
            }));
            match r {
                Ok(()) => {}
                Err(_) => {
                    tracing::error!("background job panicked: {what}");
                    let err = "internal error; see the log".to_string();
                    // Answer as the job would have, so its slot is freed and the UI says why.
                    let a = match failed {
                        Effect::Search { gen, req, .. } => Action::SearchDone {
                            gen,
                            query: req.query,
                            result: Err(err),
                        },
                        Effect::Detail { gen, .. } => Action::DetailDone {
                            gen,
                            result: Err(err),
                        },
                        Effect::RunWorkflow { .. } => {
                            Action::WorkflowDone(Err(super::backend::WorkflowRefusal {
                                message: err,
                                inputs: Vec::new(),
                            }))
                        }
                        _ => Action::Applied(Err(err)),
                    };
                    let _ = tx.send(a);
                }
            }
        });
    }

    fn run(&mut self, fx: Effect, now: chrono::DateTime<chrono::Utc>) {
        match fx {
            Effect::Search { .. } => {
                if self.search.running {
                    self.search.waiting = Some(fx);
                } else {
                    self.search.running = true;
                    self.spawn(fx, now);
                }
            }
            Effect::Detail { .. } => {
                if self.detail.running {
                    self.detail.waiting = Some(fx);
                } else {
                    self.detail.running = true;
                    self.spawn(fx, now);
                }
            }
            Effect::Copy(v) => osc52(&v),
            Effect::SaveView(view) => {
                let tx = self.tx.clone();
                let path = self.config_path.clone();
                tokio::task::spawn_blocking(move || {
                    let r = match path {
                        Some(p) => super::views::save(&p, &view)
                            .map(|_| format!("saved view {} in {}", view.name, p.display()))
                            .map_err(|e| e.to_string()),
                        None => Err("no config file".into()),
                    };
                    let _ = tx.send(Action::ViewSaved(r));
                });
            }
            other => self.spawn(other, now),
        }
    }

    /// A job finished: start the one waiting behind it.
    fn finished(&mut self, a: &Action, now: chrono::DateTime<chrono::Utc>) {
        let slot = match a {
            Action::SearchDone { .. } => &mut self.search,
            Action::DetailDone { .. } => &mut self.detail,
            _ => return,
        };
        slot.running = false;
        if let Some(next) = slot.waiting.take() {
            slot.running = true;
            self.spawn(next, now);
        }
    }
}

/// Copy through the terminal (OSC 52), which works over SSH and inside tmux.
fn osc52(v: &str) {
    let mut out = std::io::stdout();
    let v = crate::sanitize::clipboard(v);
    let _ = write!(out, "\x1b]52;c;{}\x07", base64(v.as_bytes()));
    let _ = out.flush();
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        s.push(T[(n >> 18) as usize & 63] as char);
        s.push(T[(n >> 12) as usize & 63] as char);
        s.push(if c.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        s.push(if c.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    s
}

fn init_log(path: Option<PathBuf>) {
    let path = path.unwrap_or_else(|| {
        crate::config::default_store_path()
            .parent()
            .map(|d| d.join("explorer.log"))
            .unwrap_or_else(|| PathBuf::from("sigscope-explorer.log"))
    });
    if let Some(d) = path.parent() {
        let _ = std::fs::create_dir_all(d);
    }
    if let Ok(f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        let _ = tracing_subscriber::fmt()
            .with_writer(std::sync::Mutex::new(f))
            .with_ansi(false)
            .with_env_filter(crate::logging::filter())
            .try_init();
    }
}

/// Raw mode and the alternate screen, with a panic hook that restores the terminal when the UI
/// thread panics. A panic in a background job is caught there and logged instead: restoring the
/// terminal under a running UI would leave it drawing on the user's shell.
fn init_terminal() -> Result<ratatui::DefaultTerminal> {
    let ui_thread = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui_thread {
            let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
            ratatui::restore();
            previous(info);
        } else {
            tracing::error!("background panic: {info}");
        }
    }));
    crossterm::terminal::enable_raw_mode().map_err(|e| Error::Io(format!("terminal: {e}")))?;
    let setup = crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen)
        .map_err(|e| Error::Io(format!("terminal: {e}")))
        .and_then(|_| {
            ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))
                .map_err(|e| Error::Io(format!("terminal: {e}")))
        });
    if setup.is_err() {
        ratatui::restore();
    }
    setup
}

fn restore(mouse: bool) {
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    }
    ratatui::restore();
}

/// Open the explorer in the terminal until the user quits. The terminal is restored on every path
/// out, a panic included.
pub fn run(
    backend: Arc<dyn Backend>,
    opts: Options,
    config_path: Option<PathBuf>,
    log: Option<PathBuf>,
) -> Result<()> {
    init_log(log);
    let mouse = opts.mouse;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Other(format!("starting the runtime: {e}")))?;
    let mut terminal = init_terminal()?;
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    }
    let result = rt.block_on(event_loop(&mut terminal, backend, opts, config_path));
    restore(mouse);
    rt.shutdown_timeout(Duration::from_millis(200));
    result
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    backend: Arc<dyn Backend>,
    opts: Options,
    config_path: Option<PathBuf>,
) -> Result<()> {
    let started = Instant::now();
    // A remote's sync runs on this runtime, beside the explorer's own jobs.
    backend.start();
    let size = terminal
        .size()
        .map_err(|e| Error::Io(format!("terminal size: {e}")))?;
    let mut app = App::new(opts, chrono::Utc::now(), size.width, size.height);
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    let mut runner = Runner {
        backend,
        tx: tx.clone(),
        search: Single::default(),
        detail: Single::default(),
        config_path,
    };

    // Input: a plain thread, since crossterm's reads block.
    let stop = Arc::new(AtomicBool::new(false));
    let input = {
        let (tx, stop) = (tx.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match event::poll(Duration::from_millis(50)) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(_) => break,
                }
                let ev = match event::read() {
                    Ok(ev) => ev,
                    Err(_) => break,
                };
                // Keys become actions on the loop, where the state is.
                let msg = match ev {
                    Event::Key(k) => Some(Action::Key(k)),
                    Event::Resize(w, h) => Some(Action::Resize(w, h)),
                    // Only with `mouse = true`: the wheel scrolls, nothing else is bound.
                    Event::Mouse(m) => match m.kind {
                        event::MouseEventKind::ScrollDown => {
                            Some(Action::Cmd(super::keys::Cmd::Down))
                        }
                        event::MouseEventKind::ScrollUp => Some(Action::Cmd(super::keys::Cmd::Up)),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(a) = msg {
                    if tx.send(a).is_err() {
                        break;
                    }
                }
            }
        })
    };
    let ticker = {
        let tx = tx.clone();
        tokio::spawn(async move {
            // Twice a second: a remote back from offline shows `synced` within its probe (at most a
            // second) and half a second more, inside issue 17's two seconds.
            let mut iv = tokio::time::interval(Duration::from_millis(500));
            loop {
                iv.tick().await;
                if tx.send(Action::Tick(chrono::Utc::now())).is_err() {
                    break;
                }
            }
        })
    };

    for fx in start(&mut app) {
        runner.run(fx, app.now);
    }
    terminal
        .draw(|f| super::view::render(&app, f))
        .map_err(|e| Error::Io(format!("drawing: {e}")))?;
    tracing::info!("first frame after {:?}", started.elapsed());
    let mut last_draw = Instant::now();
    let mut dirty = false;
    let mut first_rows = true;

    while !app.quit {
        let wait = if dirty {
            (last_draw + FRAME).saturating_duration_since(Instant::now())
        } else {
            Duration::from_secs(3600)
        };
        let first = tokio::select! {
            m = rx.recv() => m,
            _ = tokio::time::sleep(wait) => None,
        };
        let mut batch: Vec<Action> = first.into_iter().collect();
        while let Ok(m) = rx.try_recv() {
            batch.push(m);
        }
        for a in batch {
            runner.finished(&a, app.now);
            let is_tick = matches!(a, Action::Tick(_));
            for fx in update(&mut app, a) {
                runner.run(fx, app.now);
            }
            if first_rows && !app.window.is_empty() {
                first_rows = false;
                tracing::info!("first rows after {:?}", started.elapsed());
            }
            dirty |= !is_tick;
            if app.quit {
                break;
            }
        }
        if app.quit {
            break;
        }
        if dirty && last_draw.elapsed() >= FRAME {
            terminal
                .draw(|f| super::view::render(&app, f))
                .map_err(|e| Error::Io(format!("drawing: {e}")))?;
            last_draw = Instant::now();
            dirty = false;
        }
    }
    stop.store(true, Ordering::Relaxed);
    ticker.abort();
    let _ = input.join();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_examples() {
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
