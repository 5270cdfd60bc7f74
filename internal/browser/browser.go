// Package browser drives Debian's Chromium, headless, for the pages' tests
// (chromedp over the system browser; nothing is downloaded). A test package
// shares one browser (Shared, closed by CloseShared in its TestMain); each
// person in a test gets a Tab in a browser context of its own, so that two
// people's cookies never mix. A tab fails its test on any console error,
// uncaught exception or refused resource (a Content-Security-Policy
// violation is one), and offers the checks every page needs: labels on every
// field, and screenshots to look at.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path is where Debian installs Chromium.
const Path = "/usr/bin/chromium"

// Browser is one headless Chromium.
type Browser struct {
	ctx    context.Context // the browser's own context (its first tab)
	cancel context.CancelFunc
	dir    string
}

var (
	sharedMu  sync.Mutex
	shared    *Browser
	sharedErr error
)

// Available says whether Chromium is installed; without it a browser test
// is skipped, except in CI (CI set), where it fails: CI installs Chromium.
func Available(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath()); err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("browser tests need Chromium at %s (apt-get install chromium); CI must install it", chromiumPath())
	}
	t.Skipf("Chromium is not installed (%s); apt-get install chromium to run the browser tests", chromiumPath())
}

func chromiumPath() string {
	if p := os.Getenv("PARINDEX_CHROMIUM"); p != "" {
		return p
	}
	return Path
}

// Shared is the test package's browser, started at its first use.
func Shared(t testing.TB) *Browser {
	t.Helper()
	Available(t)
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared == nil && sharedErr == nil {
		shared, sharedErr = start()
	}
	if sharedErr != nil {
		t.Fatalf("start Chromium: %v", sharedErr)
	}
	return shared
}

// CloseShared stops the shared browser, if one was started: call it in
// TestMain after m.Run, so that no Chromium outlives the tests.
func CloseShared() {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared != nil {
		shared.Close()
		shared = nil
	}
}

// start launches Chromium as the machine's notes say it must run here: as
// root without the sandbox, with nothing that reaches out to the network.
func start() (*Browser, error) {
	dir, err := os.MkdirTemp("", "parindex-chromium-")
	if err != nil {
		return nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath()),
		chromedp.UserDataDir(dir),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.Flag("lang", "vi-VN"),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	b := &Browser{ctx: ctx, dir: dir, cancel: func() { cancelCtx(); cancelAlloc() }}
	// The first run starts the browser; it must have no time-out of its own.
	if err := chromedp.Do(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// Close stops the browser and removes its profile.
func (b *Browser) Close() {
	b.cancel()
	for range 50 { // Chromium's children may still write for a moment
		if err := os.RemoveAll(b.dir); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Tab is one person at the browser: a tab in a browser context of its own
// (own cookies and storage). Its actions time out after Timeout each.
type Tab struct {
	t    testing.TB
	ctx  context.Context
	Base string // the site's URL; paths given to Go are under it

	mu       sync.Mutex
	problems []string // console errors, exceptions, refused resources
}

// Timeout bounds one action of a tab (a navigation, a wait).
var Timeout = 30 * time.Second

// NewTab opens a tab for a person on the site at base; the tab closes, and
// the test fails on any console error it saw, when the test ends.
func (b *Browser) NewTab(t testing.TB, base string) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	tab := &Tab{t: t, ctx: ctx, Base: strings.TrimRight(base, "/")}
	messages := chromedp.Console(ctx)
	if err := chromedp.Do(ctx); err != nil { // opens the tab
		cancel()
		t.Fatalf("open a tab: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				tab.mu.Lock()
				tab.problems = append(tab.problems, fmt.Sprintf("%s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line))
				tab.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		tab.CheckConsole()
		cancel()
		<-done
	})
	return tab
}

// CheckConsole fails the test with every console error or exception seen so
// far, and forgets them.
func (tab *Tab) CheckConsole() {
	tab.t.Helper()
	tab.mu.Lock()
	problems := tab.problems
	tab.problems = nil
	tab.mu.Unlock()
	for _, p := range problems {
		tab.t.Errorf("browser console: %s", p)
	}
}

// TakeConsole returns the console errors seen so far and forgets them, for
// a test that provokes some on purpose (a refused request shows as "Failed
// to load resource"); it checks them itself.
func (tab *Tab) TakeConsole() []string {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	problems := tab.problems
	tab.problems = nil
	return problems
}

// Do runs actions in the tab, each step bounded by Timeout; a failure fails
// the test, naming what was being done.
func (tab *Tab) Do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, Timeout*time.Duration(max(1, len(steps))))
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tab.t.Fatalf("%s: %v (at %s)", what, err, tab.Location())
	}
}

// Run runs one action returning a value.
func Run[T any](tab *Tab, what string, a chromedp.Action[T]) T {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, Timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tab.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// Go opens a path of the site (or a full URL) and waits for the page.
func (tab *Tab) Go(path string) {
	tab.t.Helper()
	target := path
	if strings.HasPrefix(path, "/") {
		target = tab.Base + path
	}
	tab.Do("open "+path, chromedp.Navigate(target), chromedp.WaitReady("body"))
}

// Location is the tab's current URL ("" when it cannot be read).
func (tab *Tab) Location() string {
	ctx, cancel := context.WithTimeout(tab.ctx, 5*time.Second)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return ""
	}
	return u
}

// Path is the current URL's path and query, relative to the site.
func (tab *Tab) Path() string { return strings.TrimPrefix(tab.Location(), tab.Base) }

// Click clicks the first element matching a CSS selector.
func (tab *Tab) Click(sel string) {
	tab.t.Helper()
	tab.Do("click "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// Type replaces a field's value with text, typed key by key (so that the
// page's input handlers run).
func (tab *Tab) Type(sel, text string) {
	tab.t.Helper()
	clear := chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = ""`, sel))
	tab.Do("type into "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), clear, chromedp.SendKeys(chromedp.CSS(sel), text))
}

// Select chooses an option of a <select> by its value.
func (tab *Tab) Select(sel, value string) {
	tab.t.Helper()
	tab.Do("select in "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SetValue(chromedp.CSS(sel), value))
}

// Upload sets a file input's files.
func (tab *Tab) Upload(sel string, files ...string) {
	tab.t.Helper()
	tab.Do("upload into "+sel, chromedp.WaitReady(chromedp.CSS(sel)), chromedp.SetUploadFiles(chromedp.CSS(sel), files))
}

// Text is the visible text of the first element matching sel.
func (tab *Tab) Text(sel string) string {
	tab.t.Helper()
	return Run(tab, "text of "+sel, chromedp.Text(chromedp.CSS(sel)))
}

// Eval evaluates a JavaScript expression in the page; a promise (an async
// function's call) is waited for.
func Eval[T any](tab *Tab, expr string) T {
	tab.t.Helper()
	return Run(tab, "evaluate "+expr, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// WaitText waits until the first element matching sel contains text (the
// page may be loading after an action).
func (tab *Tab) WaitText(sel, text string) {
	tab.t.Helper()
	expr := fmt.Sprintf(`(function(){var e=document.querySelector(%q);return !!e && e.textContent.indexOf(%q)>=0;})()`, sel, text)
	if err := tab.waitFor(expr); err != nil {
		got, _ := chromedp.Run(tab.ctx, chromedp.Evaluate[string](fmt.Sprintf(`(function(){var e=document.querySelector(%q);return e?e.textContent:"(no element)";})()`, sel)))
		tab.t.Fatalf("wait for %q in %s at %s: %v; it holds %q", text, sel, tab.Location(), err, strings.TrimSpace(got))
	}
}

// WaitPath waits until the tab is at a URL whose path and query start with
// prefix, the page loaded.
func (tab *Tab) WaitPath(prefix string) {
	tab.t.Helper()
	expr := fmt.Sprintf(`(location.pathname + location.search).indexOf(%q) === 0 && document.readyState === "complete"`, prefix)
	if err := tab.waitFor(expr); err != nil {
		tab.t.Fatalf("wait for %s: at %s: %v", prefix, tab.Location(), err)
	}
}

// WaitFor waits until a JavaScript expression is true in the page.
func (tab *Tab) WaitFor(expr string) {
	tab.t.Helper()
	if err := tab.waitFor(expr); err != nil {
		tab.t.Fatalf("wait for %s at %s: %v", expr, tab.Location(), err)
	}
}

// waitFor asks the page again and again until expr is true or Timeout
// passes. A page being replaced (a navigation) answers nothing for a
// moment: that is asked again, not an error.
func (tab *Tab) waitFor(expr string) error {
	deadline := time.Now().Add(Timeout)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(tab.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return nil
		}
		if tab.ctx.Err() != nil {
			return tab.ctx.Err()
		}
		last = err
		time.Sleep(25 * time.Millisecond) // the interval between two questions, not a wait for an outcome
	}
	if last == nil {
		last = errors.New("still false")
	}
	return fmt.Errorf("after %s: %w", Timeout, last)
}

// Has reports whether an element matches sel now.
func (tab *Tab) Has(sel string) bool {
	tab.t.Helper()
	return Eval[bool](tab, fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
}

// unlabelled lists the form fields a person cannot name: no <label for>, no
// wrapping label, no aria-label or aria-labelledby.
const unlabelled = `(function(){
  var out = [];
  document.querySelectorAll("input, select, textarea").forEach(function(e){
    if (e.type === "hidden" || e.type === "submit" || e.type === "button") return;
    var named = (e.id && document.querySelector('label[for="' + CSS.escape(e.id) + '"]')) || e.closest("label") ||
      (e.getAttribute("aria-label") || "").trim() || (e.getAttribute("aria-labelledby") || "").trim();
    if (!named) out.push(e.outerHTML.slice(0, 120));
  });
  return out;
})()`

// CheckLabels fails the test for every form field of the page without a label.
func (tab *Tab) CheckLabels() {
	tab.t.Helper()
	for _, f := range Eval[[]string](tab, unlabelled) {
		tab.t.Errorf("%s: a field without a label: %s", tab.Path(), f)
	}
}

// Screenshot saves the whole page as a PNG at path.
func (tab *Tab) Screenshot(path string) {
	tab.t.Helper()
	png := Run(tab, "screenshot", chromedp.FullScreenshot(100))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tab.t.Fatal(err)
	}
}

// Viewport sets the tab's window size (a phone: 390 × 844).
func (tab *Tab) Viewport(width, height int64) {
	tab.t.Helper()
	tab.Do("viewport", chromedp.EmulateViewport(width, height))
}

// Shot saves a screenshot of the window as NAME.png in the directory
// PARINDEX_SCREENSHOTS names (make screenshots: docs/screenshots), or in
// the test's temporary directory: the pictures in docs are made by the tests.
func (tab *Tab) Shot(name string) string {
	tab.t.Helper()
	dir := os.Getenv("PARINDEX_SCREENSHOTS")
	if dir == "" {
		dir = tab.t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		tab.t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	// What a person sees first (the window, not the whole page): a picture
	// for the docs, not a 10,000-pixel strip.
	png := Run(tab, "screenshot", chromedp.CaptureScreenshot())
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tab.t.Fatal(err)
	}
	return path
}
