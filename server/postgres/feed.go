package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/continuity-care/continuity/server/care"
)

var _ care.ChangeFeed = (*Store)(nil)

// maxPayload keeps a notification under PostgreSQL's 8000-byte limit; a
// commit whose touches do not fit is sent as "wake everyone" instead.
const maxPayload = 7000

// Listener reconnection backoff bounds.
const (
	listenRetryMin = 100 * time.Millisecond
	listenRetryMax = 10 * time.Second
	// listenReadyWait is how long the first Subscribe waits for the
	// listener to be listening before carrying on without it (it keeps
	// trying, and wakes everyone once it is).
	listenReadyWait = 5 * time.Second
)

// feed is the store's change feed: pushes on every replica notify a channel
// named after the store's schema inside their transaction (PostgreSQL
// delivers notifications at commit, in commit order); one dedicated
// connection per Store listens on it and publishes to the in-process hub.
type feed struct {
	hub     *care.Hub
	channel string
	cfg     *pgx.ConnConfig
	log     *slog.Logger

	once   sync.Once
	ready  chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// channelName is the notification channel of a schema: identifiers are at
// most 63 bytes, so a long schema name is hashed.
func channelName(schema string) string {
	name := "continuity_changes." + schema
	if len(name) > 63 {
		sum := sha256.Sum256([]byte(schema))
		name = "continuity_changes." + hex.EncodeToString(sum[:16])
	}
	return name
}

// Subscribe implements care.ChangeFeed. The first call starts the listening
// connection (commands that never subscribe never open it) and waits a
// little for it to be listening, so no commit after Subscribe is missed.
func (s *Store) Subscribe(p care.Principal) *care.Subscription {
	f := s.feed
	f.once.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		f.cancel = cancel
		go f.listen(ctx)
	})
	t := time.NewTimer(listenReadyWait)
	defer t.Stop()
	select {
	case <-f.ready:
	case <-t.C:
	}
	return f.hub.Subscribe(p)
}

// stop ends the listener, if it was started, and waits for it.
func (f *feed) stop() {
	f.once.Do(func() { close(f.done) }) // never started: nothing to wait for
	if f.cancel != nil {
		f.cancel()
	}
	<-f.done
}

// listen keeps a connection listening on the channel until ctx ends,
// reconnecting with backoff. After a reconnection it wakes every subscriber:
// notifications sent while it was away are lost.
func (f *feed) listen(ctx context.Context) {
	defer close(f.done)
	wait := listenRetryMin
	connected := false
	for ctx.Err() == nil {
		err := f.session(ctx, func(head int64) {
			if connected {
				f.hub.Publish(care.Commit{Position: head, All: true})
			}
			connected = true
			wait = listenRetryMin
			select {
			case <-f.ready:
			default:
				close(f.ready)
			}
		})
		if ctx.Err() != nil {
			return
		}
		f.log.Warn("change feed: listening connection lost; reconnecting", "err", err, "in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, listenRetryMax)
	}
}

// session connects, listens and publishes notifications until the
// connection fails or ctx ends. listening runs once LISTEN is in effect,
// with the log head as it then stands.
func (f *feed) session(ctx context.Context, listening func(head int64)) error {
	conn, err := pgx.ConnectConfig(ctx, f.cfg.Copy())
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{f.channel}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	var head int64
	if err := conn.QueryRow(ctx, "SELECT seq FROM log_head").Scan(&head); err != nil {
		return fmt.Errorf("read head: %w", err)
	}
	listening(head)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for notification: %w", err)
		}
		var c care.Commit
		if err := json.Unmarshal([]byte(n.Payload), &c); err != nil {
			f.log.Error("change feed: unreadable notification; waking every subscriber", "payload", n.Payload, "err", err)
			c = care.Commit{All: true}
		}
		f.hub.Publish(c)
	}
}

// payload is the notification a commit sends.
func payload(c care.Commit) string {
	b, err := json.Marshal(c)
	if err != nil || len(b) > maxPayload {
		b, _ = json.Marshal(care.Commit{Position: c.Position, All: c.Access == "", Access: c.Access})
	}
	return string(b)
}

// notifyAccess tells every replica's change feed that a user's access
// changed, inside tx (delivered when it commits).
func (s *Store) notifyAccess(ctx context.Context, tx pgx.Tx, subject string) error {
	if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", s.feed.channel, payload(care.Commit{Access: subject})); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}
