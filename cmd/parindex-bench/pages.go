package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"html"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/textproto"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"parindex/oidc/devprovider"
	"parindex/store"
	"parindex/workflow"
)

// The pages phase (--pages, issue 13): the report page of a 40-criterion
// report and the council board of the whole campaign, each loaded by
// --clients logged-in browsers for the given time, against the same reads
// done directly in SQL by as many clients in the same run.

// Targets from issue 13, at 32 clients on PostgreSQL.
const (
	targetReportP95 = 50 * time.Millisecond
	targetBoardP95  = 150 * time.Millisecond
)

// errNoPages is a page route that answers 404: the service measured does
// not have the pages yet.
var errNoPages = errors.New("the service has no such page (404)")

// pagesResult is what the pages phase measured.
type pagesResult struct {
	rec                     *recorder
	report, board           summary // the pages
	reportSQL, boardSQL     summary // their raw-SQL baselines
	login                   summary
	reportBytes, boardBytes int
	boardAgencies           int // agencies named on the board
	reportID, campaignID    int64
	rss                     int64
	missing                 map[string]bool // pages that answered 404, by path
}

// benchSSO is the development OpenID provider the bench serves itself, on
// its own listener, for the service it starts to log people in through: the
// same OIDC code path as production (discovery, PKCE, the ID token checked).
type benchSSO struct {
	srv      *http.Server
	issuer   string
	clientID string
	secret   string
}

const benchClientID = "parindex-bench"

// ssoSubject is the provider's subject of a provisioned user.
func ssoSubject(email string) string { return "bench-" + email }

func startSSO(serviceBase string, people ...*workflow.User) (*benchSSO, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sso := &benchSSO{issuer: "http://" + l.Addr().String() + "/dev-sso", clientID: benchClientID, secret: rand.Text()}
	var accounts []devprovider.Account
	for _, u := range people {
		accounts = append(accounts, devprovider.Account{Subject: ssoSubject(u.Email), Name: u.Name, Email: u.Email, Username: u.Email})
	}
	p, err := devprovider.New(devprovider.Config{
		Issuer: sso.issuer,
		Clients: []devprovider.Client{{ID: sso.clientID, Secret: sso.secret,
			RedirectURIs:           []string{serviceBase + "/auth/callback"},
			PostLogoutRedirectURIs: []string{serviceBase + "/logged-out"}}},
		Accounts: accounts,
		TokenTTL: time.Hour,
	})
	if err != nil {
		l.Close()
		return nil, err
	}
	sso.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = sso.srv.Serve(l) }()
	return sso, nil
}

func (s *benchSSO) stop() { _ = s.srv.Close() }

// serviceOptions are the flags and secret that make the child log in
// through this provider.
func (s *benchSSO) serviceOptions(port int, base string) serviceOptions {
	return serviceOptions{port: port,
		args: []string{"--oidc-issuer", s.issuer, "--oidc-client-id", s.clientID, "--base-url", base},
		env:  []string{"PARINDEX_OIDC_CLIENT_SECRET=" + s.secret}}
}

// runPagesBench starts the provider and the service, prepares the report and
// the board, logs the clients in and measures the pages against SQL.
func runPagesBench(ctx context.Context, cfg benchConfig, exe, tmp string, w *benchWorld, out io.Writer) (*pagesResult, error) {
	target := w.pagesAgency()
	if target == nil {
		return nil, errors.New("no district agency to measure the report page with (--agencies must be at least 2)")
	}
	updater := &workflow.User{Email: officialEmail(workflow.RoleUpdater, target.Code), Name: "Cán bộ cập nhật " + target.Code}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	sso, err := startSSO(base, w.council, updater)
	if err != nil {
		return nil, err
	}
	defer sso.stop()
	svc, err := startService(ctx, exe, w.db, tmp, cfg.Profile, sso.serviceOptions(port, base))
	if err != nil {
		return nil, err
	}
	defer svc.stop()

	rec := newRecorder()
	rec.cpu.servicePID = svc.cmd.Process.Pid
	res := &pagesResult{rec: rec, reportID: target.Report, campaignID: w.campaign}
	api := newBenchClient(svc.url, cfg.Clients, rec)
	start := time.Now()
	if err := preparePages(ctx, cfg, w, target, api); err != nil {
		return nil, fmt.Errorf("prepare the report and the board: %w", err)
	}
	fmt.Fprintf(out, "parindex-bench: report %d filled (40 entries, evidence), board states set, in %s; load average %s\n",
		target.Report, time.Since(start).Round(time.Millisecond), loadAverage())

	sqlStore, err := store.Open(ctx, w.db, nil)
	if err != nil {
		return nil, err
	}
	defer sqlStore.Close()
	if err := analyze(ctx, sqlStore); err != nil {
		return nil, err
	}

	reportPath := fmt.Sprintf("/reports/%d", target.Report)
	boardPath := fmt.Sprintf("/council/campaigns/%d", w.campaign)
	reportCheck := pageCheck{markers: []string{htmlText(w.lastLeaf(target.SetID).Title), "</html>"}}
	boardCheck := pageCheck{markers: []string{"<h1>" + htmlText(w.campName) + "</h1>", "</html>"}}

	// Every client is a browser of its own: its own cookie jar, logged in
	// through the provider's page, over one shared keep-alive pool.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = cfg.Clients*4, cfg.Clients*4
	readers := make([]*pageBrowser, cfg.Clients)
	council := make([]*pageBrowser, cfg.Clients)
	var loginErr error
	var mu sync.Mutex
	missing := map[string]bool{} // a page the service answers 404: not in this tree yet
	spread(ctx, cfg.Clients, 2*cfg.Clients, func(i int) {
		b := &pageBrowser{base: svc.url, http: &http.Client{Transport: tr, Timeout: time.Minute}}
		b.http.Jar, _ = cookiejar.New(nil)
		who, next, check, slot := updater, reportPath, reportCheck, &readers[i/2]
		if i%2 == 1 {
			who, next, check, slot = w.council, boardPath, boardCheck, &council[i/2]
		}
		t := time.Now()
		body, err := b.login(ctx, who, next)
		if !errors.Is(err, errNoPages) { // the login itself succeeded when the page is missing
			rec.observe("login", time.Since(t), err)
		}
		if err == nil {
			err = check.check(next, http.StatusOK, body)
		}
		mu.Lock()
		defer mu.Unlock()
		if errors.Is(err, errNoPages) {
			missing[next] = true
			return
		}
		if err != nil {
			if loginErr == nil {
				loginErr = err
			}
			return
		}
		*slot = b
		if slot == &readers[0] {
			res.reportBytes = len(body)
		}
		if slot == &council[0] {
			res.boardBytes = len(body)
			res.boardAgencies = w.agenciesNamed(string(body))
		}
	})
	if loginErr != nil {
		return nil, loginErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if missing[reportPath] && missing[boardPath] {
		return nil, fmt.Errorf("%s and %s: %w", reportPath, boardPath, errNoPages)
	}
	res.login = rec.merged("login").summary()
	res.missing = missing

	if err := waitQuiet(ctx, sqlStore); err != nil {
		return nil, err
	}
	reads := newPageReads(sqlStore)
	// Each page is measured between two halves of its baseline, so that
	// neither side has the machine's warmer or colder half.
	measure := func(path, op, sqlOp string, pageFn, sqlFn func(ctx context.Context, client int) error) error {
		if missing[path] {
			fmt.Fprintf(out, "parindex-bench: %s answers 404: not measured\n", path)
			return nil
		}
		during(ctx, rec, sqlOp, cfg.Clients, cfg.Pages/2, sqlFn)
		during(ctx, rec, op, cfg.Clients, cfg.Pages, pageFn)
		during(ctx, rec, sqlOp, cfg.Clients, cfg.Pages-cfg.Pages/2, sqlFn)
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, o := range []string{op, sqlOp} {
			if s := rec.merged(o).summary(); s.Errors > 0 || s.N == 0 {
				return fmt.Errorf("%s: %d of %d failed; first: %s", o, s.Errors, s.N, s.First)
			}
		}
		return nil
	}
	if err := measure(reportPath, "report page", "report SQL", func(ctx context.Context, i int) error {
		return readers[i].open(ctx, reportPath, reportCheck)
	}, func(ctx context.Context, _ int) error { return reads.report(ctx, target.Report) }); err != nil {
		return nil, err
	}
	if err := measure(boardPath, "council board", "board SQL", func(ctx context.Context, i int) error {
		return council[i].open(ctx, boardPath, boardCheck)
	}, func(ctx context.Context, _ int) error { return reads.board(ctx, w.campaign) }); err != nil {
		return nil, err
	}
	res.report, res.reportSQL = rec.merged("report page").summary(), rec.merged("report SQL").summary()
	res.board, res.boardSQL = rec.merged("council board").summary(), rec.merged("board SQL").summary()
	res.rss = svc.peakRSS()
	return res, nil
}

// analyze gathers the planner's statistics on the tables the pages read, as
// autovacuum does soon after a bulk load on a server that runs it (the
// PostgreSQL of this project's CI machine does not): the pages and their
// baseline are measured with the plans of a settled database, not those
// for empty tables.
func analyze(ctx context.Context, s *store.Store) error {
	for _, t := range []string{"agencies", "agency_kinds", "users", "grants", "identities", "sessions", "criteria_sets", "criteria",
		"campaigns", "campaign_criteria_sets", "campaign_rounds", "reports", "report_rounds", "entries", "exemptions", "evidence",
		"signed_summaries", "history"} {
		if _, err := s.DB().ExecContext(ctx, "ANALYZE "+t); err != nil {
			return fmt.Errorf("analyze %s: %w", t, err)
		}
	}
	return nil
}

// pagesAgency is the agency whose report page is measured: the first
// district, whose criteria set has 40 self-assessed leaves.
func (w *benchWorld) pagesAgency() *benchAgency {
	for _, a := range w.agencies {
		if len(w.leaves[a.SetID]) == 40 {
			return a
		}
	}
	return nil
}

func (w *benchWorld) lastLeaf(set int64) *workflow.Criterion {
	l := w.leaves[set]
	return l[len(l)-1]
}

// agenciesNamed counts the provisioned agencies whose name is on a page.
func (w *benchWorld) agenciesNamed(body string) int {
	n := 0
	for _, a := range w.agencies {
		// "số 1" is a prefix of "số 10": match the name with what follows it.
		name := htmlText(a.Name)
		for rest := body; ; {
			i := strings.Index(rest, name)
			if i < 0 {
				break
			}
			rest = rest[i+len(name):]
			if rest == "" || rest[0] < '0' || rest[0] > '9' {
				n++
				break
			}
		}
	}
	return n
}

// preparePages fills the measured report's 40 entries with explanations and
// four evidence files, and gives the board a mix of states: every fourth
// other report is filled and completed (entered), every eighth also
// approved (reviewed), one in sixteen returned once with a reason first.
func preparePages(ctx context.Context, cfg benchConfig, w *benchWorld, target *benchAgency, c *benchClient) error {
	ops := &benchOps{c: c, w: w}
	if err := ops.entries(ctx, target, "setup"); err != nil {
		return err
	}
	img, err := evidencePNG()
	if err != nil {
		return err
	}
	for i, leaf := range w.leaves[target.SetID][:4] {
		if err := ops.upload(ctx, target, leaf.Code, fmt.Sprintf("minh-chung-%d.png", i+1), img); err != nil {
			return err
		}
	}
	var others []*benchAgency
	for i, a := range w.agencies {
		if a != target && i%4 == 0 {
			others = append(others, a)
		}
	}
	var failed error
	var mu sync.Mutex
	spread(ctx, cfg.Clients, len(others), func(i int) {
		a := others[i]
		err := ops.entries(ctx, a, "setup")
		steps := []string{"complete"}
		if i%2 == 0 {
			steps = append(steps, "approve")
		}
		if i%4 == 0 {
			steps = append([]string{"complete", "return"}, steps...)
		}
		for _, ev := range steps {
			if err == nil {
				err = ops.fire(ctx, a, "setup", ev)
			}
		}
		if err != nil {
			mu.Lock()
			failed = errors.Join(failed, err)
			mu.Unlock()
		}
	})
	if failed != nil {
		return failed
	}
	return ctx.Err()
}

// upload adds an evidence file to a leaf of the agency's report.
func (o *benchOps) upload(ctx context.Context, a *benchAgency, code, name string, data []byte) error {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
	h.Set("Content-Type", "image/png")
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	part.Write(data)
	mw.Close()
	_, _, err = o.c.call(ctx, "setup", http.MethodPost, fmt.Sprintf("/api/v1/reports/%d/entries/%s/evidence", a.Report, code), a.Updater, mw.FormDataContentType(), body.Bytes(), http.StatusCreated)
	return err
}

// evidencePNG is a small picture, as a scanned stamp would be.
func evidencePNG() ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for x := range 64 {
		for y := range 64 {
			img.Set(x, y, color.RGBA{uint8(4 * x), uint8(4 * y), 128, 255})
		}
	}
	var b bytes.Buffer
	err := png.Encode(&b, img)
	return b.Bytes(), err
}

// pageBrowser is one client's browser: a cookie jar holding its session.
type pageBrowser struct {
	base string
	http *http.Client
}

var (
	pickForm    = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
)

// login goes to /login?next=next, picks the person on the provider's page,
// and follows the way back (callback, session cookie, next) as a browser
// does; it returns the page it lands on.
func (b *pageBrowser) login(ctx context.Context, u *workflow.User, next string) ([]byte, error) {
	body, final, status, err := b.get(ctx, b.base+"/login?next="+url.QueryEscape(next))
	if err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	action := pickForm.FindSubmatch(body)
	if status != http.StatusOK || action == nil {
		return nil, fmt.Errorf("login: %s answered %d without the provider's form: %.300s", final, status, body)
	}
	form := url.Values{"account": {ssoSubject(u.Email)}}
	for _, m := range hiddenInput.FindAllSubmatch(body, -1) {
		form.Set(string(m[1]), html.UnescapeString(string(m[2])))
	}
	to, err := final.Parse(html.UnescapeString(string(action[1])))
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, to.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("login as %s: %w", u.Email, err)
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.Request.URL.Path != next {
		return nil, fmt.Errorf("login as %s ended at %s (%d), not %s: %.300s", u.Email, resp.Request.URL, resp.StatusCode, next, body)
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("%s: %w", next, errNoPages)
	}
	return body, nil
}

func (b *pageBrowser) get(ctx context.Context, u string) ([]byte, *url.URL, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, 0, err
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return body, resp.Request.URL, resp.StatusCode, err
}

// open loads a page as the logged-in browser and checks the answer.
func (b *pageBrowser) open(ctx context.Context, path string, c pageCheck) error {
	body, final, status, err := b.get(ctx, b.base+path)
	if err != nil {
		return err
	}
	if final.Path != path {
		return fmt.Errorf("GET %s ended at %s (%d): the session was lost", path, final, status)
	}
	return c.check(path, status, body)
}

// pageCheck is what a page must hold to count: the answer is 200, HTML, and
// carries markers that are only there when the page is whole (the report's
// last criterion; the board's campaign as its heading; the end of the page).
type pageCheck struct{ markers []string }

// htmlText is text as html/template writes it in an element's content.
func htmlText(s string) string {
	return strings.ReplaceAll(template.HTMLEscapeString(s), "+", "&#43;")
}

func (c pageCheck) check(path string, status int, body []byte) error {
	switch {
	case status == http.StatusNotFound:
		return fmt.Errorf("GET %s: %w", path, errNoPages)
	case status != http.StatusOK:
		return fmt.Errorf("GET %s: %d %.200s", path, status, body)
	case !bytes.Contains(body, []byte("<html")):
		return fmt.Errorf("GET %s: not an HTML page: %.200s", path, body)
	}
	for _, m := range c.markers {
		if !bytes.Contains(body, []byte(m)) {
			return fmt.Errorf("GET %s: the page lacks %q", path, m)
		}
	}
	return nil
}

// during has clients goroutines call fn in a loop for d, recording each call
// under op, and adds the phase's wall time and CPU use to op.
func during(ctx context.Context, rec *recorder, op string, clients int, d time.Duration, fn func(ctx context.Context, client int) error) {
	cpu := rec.cpu.sample()
	start := time.Now()
	end := start.Add(d)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(end) {
				t := time.Now()
				err := fn(ctx, i)
				rec.observe(op, time.Since(t), err)
			}
		}()
	}
	wg.Wait()
	rec.addPhase(op, time.Since(start), rec.cpu.since(cpu))
}

// pageReads are the reads each page cannot do with less, issued directly:
// for the report page the report, its criteria, entries and current
// evidence; for the board (a page of boardPage agencies, with counts over
// the whole campaign) the campaign, its reports counted by kind and state,
// the page's reports with their agencies, and how many entries of each are
// scored. Through store.Open, so the same driver, pool and DSN settings as
// the service's.
type pageReads struct {
	db                                      *store.Store
	reportQ, criteriaQ, entriesQ, evidenceQ string
	campaignQ, countsQ, boardQ              string
}

// boardPage is how many agencies a page of the board lists (web/council.go).
const boardPage = 100

func newPageReads(s *store.Store) *pageReads {
	db := s.DB()
	return &pageReads{db: s,
		reportQ:   db.Rebind(`SELECT id, campaign_id, agency_id, criteria_set_id, state, round, version, locked_from, updated_at FROM reports WHERE id = ?`),
		criteriaQ: db.Rebind(`SELECT code, parent_code, position, title, max_points, method, step, exemptible, evidence, rule FROM criteria WHERE set_id = ? ORDER BY ord`),
		entriesQ:  db.Rebind(`SELECT code, self_score, explanation, round, updated_at FROM entries WHERE report_id = ?`),
		evidenceQ: db.Rebind(`SELECT id, code, round, filename, size, sha256, media_type, signature, uploaded_by, uploaded_at FROM evidence WHERE report_id = ? AND deleted_at IS NULL ORDER BY code, id`),
		campaignQ: db.Rebind(`SELECT id, name, year, opens_at, closes_at FROM campaigns WHERE id = ?`),
		countsQ:   db.Rebind(`SELECT a.kind, r.state, COUNT(*) FROM reports r JOIN agencies a ON a.id = r.agency_id WHERE r.campaign_id = ? GROUP BY a.kind, r.state`),
		boardQ: db.Rebind(`SELECT r.id, a.code, a.name, a.kind, r.criteria_set_id, r.state, r.round, r.version, r.updated_at
			FROM reports r JOIN agencies a ON a.id = r.agency_id WHERE r.campaign_id = ? ORDER BY a.kind, a.code LIMIT ` + strconv.Itoa(boardPage)),
	}
}

// rows runs a query and reads every row into as many values.
func (p *pageReads) rows(ctx context.Context, query string, cols int, args ...any) (int, error) {
	rows, err := p.db.DB().QueryContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	vals := make([]any, cols)
	ptrs := make([]any, cols)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

func (p *pageReads) report(ctx context.Context, id int64) error {
	var set, campaign, agency int64
	var state string
	var round, version int64
	var locked, updated any
	if err := p.db.DB().QueryRowContext(ctx, p.reportQ, id).Scan(&id, &campaign, &agency, &set, &state, &round, &version, &locked, &updated); err != nil {
		return err
	}
	if n, err := p.rows(ctx, p.criteriaQ, 10, set); err != nil || n == 0 {
		return errors.Join(err, fmt.Errorf("report %d: %d criteria", id, n))
	}
	if _, err := p.rows(ctx, p.entriesQ, 5, id); err != nil {
		return err
	}
	_, err := p.rows(ctx, p.evidenceQ, 10, id)
	return err
}

func (p *pageReads) board(ctx context.Context, id int64) error {
	if n, err := p.rows(ctx, p.campaignQ, 5, id); err != nil || n != 1 {
		return errors.Join(err, fmt.Errorf("campaign %d: %d rows", id, n))
	}
	if n, err := p.rows(ctx, p.countsQ, 3, id); err != nil || n == 0 {
		return errors.Join(err, fmt.Errorf("campaign %d: no counts", id))
	}
	rows, err := p.db.DB().QueryContext(ctx, p.boardQ, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	var ids []any
	for rows.Next() {
		var rid, set, round, version int64
		var code, name, kind, state string
		var updated any
		if err := rows.Scan(&rid, &code, &name, &kind, &set, &state, &round, &version, &updated); err != nil {
			return err
		}
		ids = append(ids, rid)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(ids) == 0 {
		return fmt.Errorf("campaign %d has no reports", id)
	}
	_, err = p.rows(ctx, p.db.DB().Rebind(`SELECT report_id, COUNT(*) FROM entries WHERE report_id IN (?`+
		strings.Repeat(", ?", len(ids)-1)+`) AND self_score IS NOT NULL GROUP BY report_id`), 2, ids...)
	return err
}

// print writes the pages' figures beside their baselines and the targets.
func (r *pagesResult) print(out io.Writer, cfg benchConfig, w *benchWorld) {
	line := func(name string, s summary) string {
		return fmt.Sprintf("%s\t%d\t%d\t%.0f\t%s\t%s\t%s\t\n", name, s.N, s.Errors, s.PerSecond, msFine(s.P50), msFine(s.P95), msFine(s.P99))
	}
	reportPath, boardPath := fmt.Sprintf("/reports/%d", r.reportID), fmt.Sprintf("/council/campaigns/%d", r.campaignID)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "page\tcount\terrors\tper second\tp50\tp95\tp99\t\n")
	if !r.missing[reportPath] {
		fmt.Fprint(tw, line(fmt.Sprintf("report page %s (40 criteria, updater)", reportPath), r.report))
		fmt.Fprint(tw, line("  raw SQL: report, criteria, entries, evidence", r.reportSQL))
	}
	if !r.missing[boardPath] {
		fmt.Fprint(tw, line(fmt.Sprintf("council board %s (%d agencies)", boardPath, len(w.agencies)), r.board))
		fmt.Fprint(tw, line(fmt.Sprintf("  raw SQL: campaign, counts, %d reports with agencies, their scored entries", min(boardPage, len(w.agencies))), r.boardSQL))
	}
	tw.Flush()
	ratio := func(name string, page, base summary, target time.Duration) {
		if page.N == 0 {
			fmt.Fprintf(out, "%s: not measured (the service answers 404)\n", name)
			return
		}
		judged := "not judged here"
		if cfg.Clients == 32 && w.dialect == store.Postgres {
			judged = verdict(page.P95 <= target)
		}
		fmt.Fprintf(out, "%s ÷ raw SQL: p95 %.1f×, throughput %.2f; p95 %s (target ≤ %s at 32 clients on PostgreSQL: %s)\n",
			name, float64(page.P95)/float64(max(base.P95, 1)), page.PerSecond/max(base.PerSecond, 1e-9),
			ms(page.P95), ms(target), judged)
	}
	ratio("report page", r.report, r.reportSQL, targetReportP95)
	ratio("council board", r.board, r.boardSQL, targetBoardP95)
	if r.board.N > 0 {
		fmt.Fprintf(out, "page sizes: report %d bytes, board %d bytes listing %d of the %d agencies (a page of the board)\n", r.reportBytes, r.boardBytes, r.boardAgencies, len(w.agencies))
	} else {
		fmt.Fprintf(out, "page size: report %d bytes\n", r.reportBytes)
	}
	fmt.Fprintf(out, "logins through the provider (concurrent, %d clients): %d, p50 %s, p95 %s\n", cfg.Clients, r.login.N, ms(r.login.P50), ms(r.login.P95))
	for _, op := range []string{"report page", "council board"} {
		if c := r.rec.merged(op).summary(); c.CPU.perOp(c.N) != "" {
			fmt.Fprintf(out, "CPU µs per %s: %s\n", op, c.CPU.perOp(c.N))
		}
	}
	if r.rss > 0 {
		fmt.Fprintf(out, "service peak RSS: %.1f MB\n", float64(r.rss)/(1<<20))
	}
	fmt.Fprintf(out, "load average at the end: %s\n", loadAverage())
}

// loadAverage is the machine's 1, 5 and 15-minute load averages (Linux).
func loadAverage() string {
	la, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(la)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// msFine is a latency in milliseconds with the precision it needs: raw SQL
// reads take tens of microseconds.
func msFine(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond))
	}
	return ms(d)
}
