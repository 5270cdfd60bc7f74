package scheduler

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"parindex/notify"
	"parindex/store"
)

// lease is how long a claimed email stays invisible to other senders; a
// sender that dies mid-delivery only delays its emails by this much.
// A sender delivers up to 8 emails one after another, each bounded by the
// mailer's timeout (10 s by default), so 5 minutes leaves a wide margin before
// another replica could take an email that is still being sent.
const lease = 5 * time.Minute

// FanOut turns every pending outbox event into notifications and emails,
// rendered in Vietnamese in the province's zone.
func (s *Scheduler) FanOut(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.store.FanOut(ctx, 100, s.render)
		total += n
		if err != nil || n < 100 {
			return total, err
		}
	}
}

// render turns one recipient's notice into its message.
func (s *Scheduler) render(n store.Notice) (store.Rendered, error) {
	var d notify.Data
	if err := json.Unmarshal(n.Data, &d); err != nil {
		return store.Rendered{}, err
	}
	var extra struct {
		OffsetSeconds int64 `json:"offset_seconds"`
	}
	if err := json.Unmarshal(n.Data, &extra); err != nil {
		return store.Rendered{}, err
	}
	if extra.OffsetSeconds > 0 {
		d.LeftBefore = notify.FormatLeft(time.Duration(extra.OffsetSeconds) * time.Second)
	}
	d.Campaign, d.Agency, d.BaseURL = n.Campaign, agencies(n.Agencies), s.cfg.BaseURL
	if len(n.ReportIDs) == 1 {
		d.ReportID = n.ReportIDs[0]
	}
	m, err := notify.Render(n.Kind, d, n.Name, s.cfg.Zone)
	if err != nil {
		return store.Rendered{}, err
	}
	return store.Rendered{Subject: m.Subject, Text: m.Text, HTML: m.HTML}, nil
}

// agencies names the recipient's agencies: all of them up to five, then a count.
func agencies(names []string) string {
	if len(names) <= 5 {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:5], ", ") + " và " + itoa(len(names)-5) + " đơn vị khác"
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// Delivery is what one DeliverOnce did.
type Delivery struct {
	Sent, Failed, Dead int
}

// DeliverOnce claims the emails that are due and delivers them, several at a
// time; a failure is retried with exponential backoff until MaxAttempts,
// then the email is dead (kept and counted, never retried). Without a mailer
// it does nothing: emails wait for one.
func (s *Scheduler) DeliverOnce(ctx context.Context) (Delivery, error) {
	var out Delivery
	if s.cfg.Mailer == nil {
		return out, nil
	}
	batch := s.cfg.Senders * 8
	emails, err := s.store.ClaimEmails(ctx, batch, lease)
	if err != nil {
		return out, err
	}
	var mu sync.Mutex
	var firstErr error
	jobs := make(chan store.Email)
	var wg sync.WaitGroup
	for range min(s.cfg.Senders, len(emails)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range jobs {
				result, err := s.deliver(ctx, e)
				mu.Lock()
				switch {
				case err != nil:
					if firstErr == nil {
						firstErr = err
					}
				case result == "sent":
					out.Sent++
				case result == "dead":
					out.Dead++
				default:
					out.Failed++
				}
				mu.Unlock()
			}
		}()
	}
	for _, e := range emails {
		jobs <- e
	}
	close(jobs)
	wg.Wait()
	return out, firstErr
}

// deliver sends one email and records the outcome.
func (s *Scheduler) deliver(ctx context.Context, e store.Email) (string, error) {
	sendErr := s.cfg.Mailer.Send(ctx, e.To, e.ToName, notify.Message{Subject: e.Subject, Text: e.Text, HTML: e.HTML})
	if sendErr == nil {
		return "sent", s.store.EmailSent(ctx, e.ID)
	}
	if ctx.Err() != nil {
		return "", ctx.Err() // shutting down: the lease ends and another sender retries
	}
	dead := e.Attempts >= s.cfg.MaxAttempts || notify.IsPermanent(sendErr)
	retry := s.store.Now().Add(Backoff(e.Attempts))
	s.log.Warn().Err(sendErr).Int64("email_id", e.ID).Int("attempts", e.Attempts).Bool("dead", dead).Msg("email not delivered")
	if err := s.store.EmailFailed(ctx, e.ID, sendErr, retry, dead); err != nil {
		return "", err
	}
	if dead {
		return "dead", nil
	}
	return "failed", nil
}

// Backoff is the wait before attempt n+1: 30 s doubling, at most 1 hour.
func Backoff(attempts int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// sendLoop fans out and delivers whenever woken, and every Poll besides (an
// event written by a request on this or another replica wakes no one).
func (s *Scheduler) sendLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
		if _, err := s.FanOut(ctx); err != nil && ctx.Err() == nil {
			s.log.Error().Err(err).Msg("fan out")
		}
		for ctx.Err() == nil {
			d, err := s.DeliverOnce(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.Error().Err(err).Msg("deliver")
			}
			if err != nil || d.Sent+d.Failed+d.Dead < s.cfg.Senders*8 {
				break
			}
		}
	}
}
