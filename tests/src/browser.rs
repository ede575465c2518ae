//! Browser tests: a real Chromium driven over WebDriver (Debian's `chromium`
//! and `chromium-driver`), with axe-core (from `tests/node_modules`, see
//! `tests/package.json`) injected into every page a test checks.
//!
//! Without the browser or axe-core the browser tests are skipped with a note
//! saying how to run them; with `SAMPRIO_REQUIRE_BROWSER=1` (as `.ci/run`
//! sets) a missing piece fails the test instead.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const HOW_TO_RUN: &str = "install Debian's `chromium` and `chromium-driver` and run `npm ci` in tests/ \
                          (.ci/run does both), or set SAMPRIO_REQUIRE_BROWSER=1 to make this an error";

/// A running chromedriver; each [`Browser::tab`] is a separate browser
/// session with its own cookies, like a separate person's laptop.
pub struct Browser {
    driver: Child,
    url: String,
    chromium: PathBuf,
    axe: String,
}

fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

fn axe_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js")
}

impl Browser {
    /// Starts chromedriver, or says why the browser tests cannot run.
    pub fn start() -> Option<Browser> {
        let required = std::env::var("SAMPRIO_REQUIRE_BROWSER").as_deref() == Ok("1");
        let missing = |what: &str| {
            if required {
                panic!("SAMPRIO_REQUIRE_BROWSER=1 but {what} is missing: {HOW_TO_RUN}");
            }
            eprintln!("note: browser test NOT run: {what} is missing; {HOW_TO_RUN}");
            None
        };
        let Some(driver_bin) = on_path(&["chromedriver"]) else {
            return missing("chromedriver");
        };
        let Some(chromium) = std::env::var_os("SAMPRIO_CHROMIUM")
            .map(PathBuf::from)
            .or_else(|| on_path(&["chromium", "chromium-browser", "google-chrome"]))
        else {
            return missing("chromium");
        };
        let Ok(axe) = std::fs::read_to_string(axe_path()) else {
            return missing("axe-core (tests/node_modules)");
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Browser {
                    driver,
                    url,
                    chromium,
                    axe,
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = driver.kill();
        let _ = driver.wait();
        panic!("chromedriver did not start listening on port {port}");
    }

    /// A new browser session (fresh profile, no cookies) on the console at `base`.
    pub async fn tab(&self, base: &str) -> Tab {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": self.chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,1000", "--lang=da", "--force-prefers-reduced-motion"
                ],
                "prefs": { "intl.accept_languages": "da" }
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a chromium session");
        Tab {
            client,
            base: base.trim_end_matches('/').to_owned(),
            axe: self.axe.clone(),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// One person's browser.
pub struct Tab {
    pub client: Client,
    base: String,
    axe: String,
}

impl Tab {
    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!("no element {css} on {}: {e}", self.path().await),
        }
    }

    pub async fn exists(&self, css: &str) -> bool {
        !self.client.find_all(Locator::Css(css)).await.expect("query").is_empty()
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("element text")
    }

    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks a link or a submit button and waits for the next page to load.
    pub async fn go(&self, css: &str) {
        let old = self.find("html").await;
        self.click(css).await;
        for _ in 0..200 {
            if old.tag_name().await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        for _ in 0..200 {
            let state = self.client.execute("return document.readyState;", vec![]).await;
            if matches!(state, Ok(Value::String(s)) if s == "complete") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Replaces a field's text.
    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear().await.expect("clear field");
        e.send_keys(text).await.expect("type into field");
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("select {value} in {css}: {e}"));
    }

    /// Signs in on the dev sign-in page as `municipality` (its code) with
    /// the roles' checkboxes and, optionally, the chair's cooperation.
    pub async fn sign_in(&self, name: &str, municipality: &str, roles: &[&str], chair_of: Option<&str>) {
        self.goto("/login").await;
        self.select("#municipality", municipality).await;
        for r in roles {
            self.click(&format!("#role-{r}")).await;
        }
        if let Some(coop) = chair_of {
            self.fill("#chair_of", coop).await;
        }
        self.fill("#name", name).await;
        self.go("form[action='/login'] button[type=submit]").await;
        self.find(".who").await;
    }

    /// Runs axe-core on the page and fails on any serious or critical
    /// violation (WCAG 2.1 AA and best practices).
    pub async fn assert_accessible(&self, what: &str) {
        let loaded = self
            .client
            .execute("return typeof window.axe !== 'undefined';", vec![])
            .await
            .expect("script runs");
        if loaded != Value::Bool(true) {
            self.client.execute(&self.axe, vec![]).await.expect("inject axe-core");
        }
        let result = self
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } })
                     .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                         nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")) }))))
                     .catch(e => done([{ id: "axe-error", impact: "critical", help: String(e), nodes: [] }]));"#,
                vec![],
            )
            .await
            .expect("axe runs");
        let bad: Vec<&Value> = result
            .as_array()
            .expect("violations")
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(
            bad.is_empty(),
            "{what} ({}): accessibility violations:\n{}",
            self.path().await,
            serde_json::to_string_pretty(&bad).unwrap_or_default()
        );
    }

    /// Waits (at most 10 s) until the element's text satisfies `ok`, without
    /// reloading: for pages that change by themselves. Returns the text.
    pub async fn wait_for_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        for _ in 0..400 {
            if let Ok(e) = self.client.find(Locator::Css(css)).await
                && let Ok(text) = e.text().await
            {
                if ok(&text) {
                    return text;
                }
                last = text;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "{css} on {} never changed as expected; last text: {last:?}",
            self.path().await
        );
    }

    /// Types keys into an element (WebDriver key codes such as
    /// `Key::Alt + Key::Up` included): keyboard use, not clicks.
    pub async fn keys(&self, css: &str, keys: &str) {
        self.find(css)
            .await
            .send_keys(keys)
            .await
            .unwrap_or_else(|e| panic!("keys into {css}: {e}"));
    }

    /// Presses Enter on a focused link or button and waits for the next page.
    pub async fn enter(&self, css: &str) {
        let old = self.find("html").await;
        self.keys(css, &fantoccini::key::Key::Enter.to_string()).await;
        for _ in 0..200 {
            if old.tag_name().await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.find("body").await;
    }

    /// Drags `from` by the pointer (press, move, release) onto the upper
    /// part of `to`.
    pub async fn drag(&self, from: &str, to: &str) {
        use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
        let source = self.find(from).await;
        let target = self.find(to).await;
        let mouse = MouseActions::new("mouse".into())
            .then(PointerAction::MoveToElement {
                element: source,
                duration: None,
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::MoveToElement {
                element: target.clone(),
                duration: Some(Duration::from_millis(150)),
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::MoveToElement {
                element: target,
                duration: Some(Duration::from_millis(150)),
                x: 0.0,
                y: -8.0,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        self.client.perform_actions(mouse).await.expect("drag");
        self.client.release_actions().await.expect("release");
    }

    /// Tabs through the whole page from the top and fails if a visible
    /// control (link, button, field, summary) is never reached by the keyboard.
    pub async fn assert_keyboard_reaches_everything(&self, what: &str) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        use fantoccini::key::Key;
        let count = self
            .client
            .execute(
                r#"const all = [...document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary")]
                     .filter(e => e.getClientRects().length > 0 && !e.disabled && !e.closest("[hidden]"));
                   all.forEach((e, i) => e.setAttribute("data-kb", String(i)));
                   document.activeElement && document.activeElement.blur();
                   window.__reached = new Set();
                   document.addEventListener("focusin", ev => {
                     const k = ev.target.getAttribute && ev.target.getAttribute("data-kb");
                     if (k !== null) window.__reached.add(k);
                   });
                   return all.length;"#,
                vec![],
            )
            .await
            .expect("list controls");
        let n = count.as_u64().expect("a count") as usize;
        // Radio groups take one stop each, so n + a few tabs pass every control.
        let mut keys = KeyActions::new("keyboard".into());
        for _ in 0..n + 5 {
            keys = keys
                .then(KeyAction::Down { value: Key::Tab.into() })
                .then(KeyAction::Up { value: Key::Tab.into() });
        }
        self.client.perform_actions(keys).await.expect("tab through");
        self.client.release_actions().await.expect("release");
        let missed = self
            .client
            .execute(
                r#"const missed = [...document.querySelectorAll("[data-kb]")].filter(e => {
                     if (window.__reached.has(e.getAttribute("data-kb"))) return false;
                     // One radio of a group is a tab stop; the arrows reach the rest.
                     if (e.type === "radio") return ![...document.getElementsByName(e.name)].some(r => window.__reached.has(r.getAttribute("data-kb")));
                     return true;
                   });
                   return missed.map(e => e.outerHTML.slice(0, 120));"#,
                vec![],
            )
            .await
            .expect("missed controls");
        assert_eq!(missed, json!([]), "{what}: controls the keyboard does not reach");
    }

    /// Saves a screenshot of the page as PNG: the whole page (up to 2000 px
    /// high), without a focus ring left by a test.
    pub async fn screenshot(&self, file: &Path) {
        let height = self
            .client
            .execute(
                "document.activeElement && document.activeElement.blur(); return document.documentElement.scrollHeight;",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(1000)
            .clamp(1000, 2000);
        let _ = self.client.set_window_size(1280, height as u32 + 150).await;
        let png = self.client.screenshot().await.expect("screenshot");
        let _ = self.client.set_window_size(1280, 1000).await;
        std::fs::write(file, png).expect("write screenshot");
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
