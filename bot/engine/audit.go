package engine

import (
	"context"
	"errors"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/store"
)

// AuditID is the reserved incident number whose hash-chained timeline is
// the audit log: refused strangers, forged webhooks, account links.
const AuditID = 0

// Audit appends an entry of kind (a bot.EventKind such as
// bot.EvWebhookForged) to the audit log, a hash-chained timeline like an
// incident's. Failures are logged, never returned: auditing must not stop
// the bot from answering.
func (e *Engine) Audit(ctx context.Context, kind string, data map[string]string) {
	e.audit(ctx, bot.EventKind(kind), data)
}

// audit appends an entry to the audit log; see Audit.
func (e *Engine) audit(ctx context.Context, kind bot.EventKind, data map[string]string) {
	defer e.lock(AuditID)()
	for attempt := 0; attempt < maxRetries; attempt++ {
		inc, err := e.auditLog(ctx)
		if err != nil {
			e.log.Error("audit", "kind", kind, "err", err)
			return
		}
		evs := []bot.Event{{At: e.o.Clock.Now(), Actor: "irbot", Kind: kind, Data: data}}
		inc.Seq, inc.LastHash = bot.Chain(inc.Seq, inc.LastHash, evs)
		inc.Updated = e.o.Clock.Now()
		err = e.st.Commit(ctx, &store.Tx{Incident: inc, Events: evs})
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			e.log.Error("audit", "kind", kind, "err", err)
		}
		return
	}
}

// auditLog returns the audit log's record, new if there is none yet.
func (e *Engine) auditLog(ctx context.Context) (*bot.Incident, error) {
	inc, err := e.st.Incident(ctx, AuditID)
	if errors.Is(err, store.ErrNotFound) {
		return &bot.Incident{ID: AuditID, Prefix: "AUDIT", Title: "audit log", State: bot.StateClosed, CreatedBy: "irbot"}, nil
	}
	return inc, err
}

// commitAudited commits tx, which changes no incident, together with an
// entry in the audit log: both or neither.
func (e *Engine) commitAudited(ctx context.Context, tx *store.Tx, kind bot.EventKind, data map[string]string) error {
	defer e.lock(AuditID)()
	for attempt := 0; ; attempt++ {
		inc, err := e.auditLog(ctx)
		if err != nil {
			return err
		}
		evs := []bot.Event{{At: e.o.Clock.Now(), Actor: data["person"], Kind: kind, Data: data}}
		inc.Seq, inc.LastHash = bot.Chain(inc.Seq, inc.LastHash, evs)
		inc.Updated = e.o.Clock.Now()
		tx.Incident, tx.Events = inc, evs
		err = e.commit(ctx, tx)
		if errors.Is(err, store.ErrConflict) && attempt < maxRetries {
			continue
		}
		return err
	}
}
