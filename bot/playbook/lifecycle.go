package playbook

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/looplab/fsm"

	"github.com/irbot/irbot/bot"
)

// Guard may refuse an event with an error the user can act on.
type Guard func(event, from, to string) error

// Lifecycle builds the looplab/fsm state machine of a playbook:
// triggered → acknowledged → phases… → resolved → closed, with cancelled
// and reopen. The machine starts in state (restored with SetState), and
// guard is asked before every event.
func Lifecycle(pb *Playbook, state string, guard Guard) *fsm.FSM {
	active := []string{bot.StateTriggered, bot.StateAcknowledged}
	events := fsm.Events{
		{Name: bot.EventAck, Src: []string{bot.StateTriggered}, Dst: bot.StateAcknowledged},
	}
	prev := bot.StateAcknowledged
	for _, ph := range pb.Phases {
		events = append(events, fsm.EventDesc{Name: bot.EventNext, Src: []string{prev}, Dst: ph.ID})
		active = append(active, ph.ID)
		prev = ph.ID
	}
	events = append(events,
		fsm.EventDesc{Name: bot.EventResolve, Src: active, Dst: bot.StateResolved},
		fsm.EventDesc{Name: bot.EventClose, Src: []string{bot.StateResolved}, Dst: bot.StateClosed},
		fsm.EventDesc{Name: bot.EventCancel, Src: active, Dst: bot.StateCancelled},
		fsm.EventDesc{Name: bot.EventReopen, Src: []string{bot.StateResolved, bot.StateClosed, bot.StateCancelled}, Dst: bot.StateAcknowledged},
	)
	cb := fsm.Callbacks{}
	if guard != nil {
		cb["before_event"] = func(_ context.Context, e *fsm.Event) {
			if err := guard(e.Event, e.Src, e.Dst); err != nil {
				e.Cancel(err)
			}
		}
	}
	f := fsm.NewFSM(bot.StateTriggered, events, cb)
	if state != "" {
		f.SetState(state)
	}
	return f
}

// Graph returns the playbook's lifecycle as a Mermaid state diagram, drawn
// by looplab/fsm from the very machine the engine runs.
// Each phase is labelled with its English name.
func Graph(pb *Playbook) (string, error) {
	g, err := fsm.VisualizeForMermaidWithGraphType(Lifecycle(pb, "", nil), fsm.StateDiagram)
	if err != nil {
		return "", err
	}
	for _, ph := range pb.Phases {
		g += fmt.Sprintf("    %s : %s\n", ph.ID, strings.NewReplacer(":", " ", "\n", " ").Replace(ph.Name.In("en")))
	}
	return g, nil
}

// Fire runs event on a fresh machine at the incident's state and returns
// the new state. A guard's refusal comes back as the guard's own error; an
// event not allowed in the state comes back as errNotNow.
func Fire(ctx context.Context, pb *Playbook, inc *bot.Incident, event string, guard Guard) (string, error) {
	f := Lifecycle(pb, inc.State, guard)
	err := f.Event(ctx, event)
	var canceled fsm.CanceledError
	var invalid fsm.InvalidEventError
	switch {
	case err == nil:
		return f.Current(), nil
	case errors.As(err, &canceled) && canceled.Err != nil:
		return "", canceled.Err
	case errors.As(err, &invalid):
		return "", errNotNow
	default:
		return "", err
	}
}

var errNotNow = errors.New("event not allowed in this state")
