package slack

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/irbot/irbot/bot"
	"github.com/irbot/irbot/bot/chat"
)

// Receive implements chat.Receiver over Socket Mode: it opens a connection
// with the app-level token (apps.connections.open) and hands the events,
// slash commands and button presses Slack sends over it to h, one at a
// time in the order received. An envelope is acknowledged only after h
// returned nil for it; otherwise Slack sends it again (and the engine's
// deduplication by event id makes that harmless). Receive returns when ctx
// ends, with ctx's error, or when the connection cannot be made for good
// (a revoked token).
func (a *Adapter) Receive(ctx context.Context, h chat.Handler) error {
	if a.cfg.Mode != ModeSocket {
		return errors.New("slack: Receive is for socket mode; in events mode serve the Adapter over HTTP")
	}
	sm := socketmode.New(a.client(true), socketmode.OptionLog(log.New(slogWriter{a}, "", 0)))
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- sm.RunContext(runCtx) }()
	for {
		select {
		case <-ctx.Done():
			cancel()
			<-done
			return ctx.Err()
		case err := <-done:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("slack: socket mode: %w", a.classify("apps.connections.open", err))
		case ev := <-sm.Events:
			if err := a.socketEvent(ctx, sm, ev, h); err != nil {
				if ctx.Err() != nil {
					cancel()
					<-done
					return ctx.Err()
				}
				a.log.Error("slack: handling a socket mode envelope failed; Slack will send it again", "err", err)
			}
		}
	}
}

// socketEvent acts on one event of the Socket Mode client.
func (a *Adapter) socketEvent(ctx context.Context, sm *socketmode.Client, ev socketmode.Event, h chat.Handler) error {
	var ins []bot.Inbound
	switch ev.Type {
	case socketmode.EventTypeConnected:
		a.log.Info("slack: socket mode connected")
		return nil
	case socketmode.EventTypeConnectionError:
		if ce, ok := ev.Data.(*slackapi.ConnectionErrorEvent); ok && ce.ErrorObj != nil {
			a.log.Warn("slack: socket mode connection failed; retrying", "err", a.scrub(ce.ErrorObj.Error()))
		}
		return nil
	case socketmode.EventTypeInvalidAuth:
		a.log.Error("slack: socket mode: the app-level token was refused")
		return nil
	case socketmode.EventTypeEventsAPI:
		api, ok := ev.Data.(slackevents.EventsAPIEvent)
		if !ok {
			break
		}
		if cb, ok := api.Data.(*slackevents.EventsAPICallbackEvent); ok {
			if in, ok := a.fromEvent(cb.EventID, api.InnerEvent.Data); ok {
				ins = append(ins, in)
			}
		}
	case socketmode.EventTypeSlashCommand:
		if c, ok := ev.Data.(slackapi.SlashCommand); ok {
			if in, ok := a.fromCommand(c); ok {
				ins = append(ins, in)
			}
		}
	case socketmode.EventTypeInteractive:
		if ic, ok := ev.Data.(slackapi.InteractionCallback); ok {
			got, err := a.fromInteraction(ctx, &ic)
			if err != nil {
				return err
			}
			ins = got
		}
	default:
		return nil
	}
	for _, in := range ins {
		if err := h(ctx, in); err != nil {
			return err
		}
	}
	if ev.Request == nil || ev.Request.EnvelopeID == "" {
		return nil
	}
	return sm.AckCtx(ctx, ev.Request.EnvelopeID, nil)
}

// slogWriter sends the Socket Mode client's own log lines (debug only) to
// the adapter's logger, scrubbed.
type slogWriter struct{ a *Adapter }

func (w slogWriter) Write(p []byte) (int, error) {
	w.a.log.Debug("slack: socket mode", "msg", w.a.scrub(strings.TrimSpace(string(p))))
	return len(p), nil
}
