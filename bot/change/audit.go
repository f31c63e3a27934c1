package change

import (
	"context"
	"errors"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/store"
)

// AuditID is the reserved incident number whose hash-chained timeline is
// the audit log: refused strangers, forged webhooks, account links.
const AuditID = 0

// Audit appends an entry of kind to the audit log, a hash-chained timeline
// like an incident's. Failures are logged, never returned: auditing must
// not stop the bot from answering.
func (k *Core) Audit(ctx context.Context, kind bot.EventKind, data map[string]string) {
	defer k.Lock(AuditID)()
	for attempt := 0; attempt < MaxRetries; attempt++ {
		inc, err := k.AuditLog(ctx)
		if err != nil {
			k.Log.Error("audit", "kind", kind, "err", err)
			return
		}
		evs := []bot.Event{{At: k.Now(), Actor: "irbot", Kind: kind, Data: data}}
		inc.Seq, inc.LastHash = bot.Chain(inc.Seq, inc.LastHash, evs)
		inc.Updated = k.Now()
		err = k.Store.Commit(ctx, &store.Tx{Incident: inc, Events: evs})
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			k.Log.Error("audit", "kind", kind, "err", err)
		}
		return
	}
}

// AuditLog returns the audit log's record, new if there is none yet.
func (k *Core) AuditLog(ctx context.Context) (*bot.Incident, error) {
	inc, err := k.Store.Incident(ctx, AuditID)
	if errors.Is(err, store.ErrNotFound) {
		return &bot.Incident{ID: AuditID, Prefix: "AUDIT", Title: "audit log", State: bot.StateClosed, CreatedBy: "irbot"}, nil
	}
	return inc, err
}

// CommitAudited commits tx, which changes no incident, together with an
// entry in the audit log: both or neither.
func (k *Core) CommitAudited(ctx context.Context, tx *store.Tx, kind bot.EventKind, data map[string]string) error {
	defer k.Lock(AuditID)()
	for attempt := 0; ; attempt++ {
		inc, err := k.AuditLog(ctx)
		if err != nil {
			return err
		}
		evs := []bot.Event{{At: k.Now(), Actor: data["person"], Kind: kind, Data: data}}
		inc.Seq, inc.LastHash = bot.Chain(inc.Seq, inc.LastHash, evs)
		inc.Updated = k.Now()
		tx.Incident, tx.Events = inc, evs
		err = k.Commit(ctx, tx)
		if errors.Is(err, store.ErrConflict) && attempt < MaxRetries {
			continue
		}
		return err
	}
}
