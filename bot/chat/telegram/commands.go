package telegram

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"unicode/utf8"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Command is one entry of the command menu Telegram shows when a user
// types "/".
type Command struct {
	Name        string // without '/': 1-32 of a-z 0-9 _
	Description string // 1-256 characters
}

var commandPattern = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// RegisterCommands sets the bot's command menu with setMyCommands, one
// list per language code: cmds["vi"], cmds["en"], and cmds[""] for users
// whose language has no list of its own.
func (a *Adapter) RegisterCommands(ctx context.Context, cmds map[string][]Command) error {
	langs := make([]string, 0, len(cmds))
	for lang := range cmds {
		langs = append(langs, lang)
	}
	slices.Sort(langs)
	for _, lang := range langs {
		list := make([]models.BotCommand, 0, len(cmds[lang]))
		for _, c := range cmds[lang] {
			if !commandPattern.MatchString(c.Name) {
				return fmt.Errorf("telegram: command name %q: want 1-32 of a-z 0-9 _", c.Name)
			}
			if n := utf8.RuneCountInString(c.Description); n < 1 || n > 256 {
				return fmt.Errorf("telegram: command %q: description must have 1-256 characters", c.Name)
			}
			list = append(list, models.BotCommand{Command: c.Name, Description: c.Description})
		}
		_, err := a.api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: list,
			Scope: &models.BotCommandScopeDefault{}, LanguageCode: lang})
		if err != nil {
			return a.classify("setMyCommands "+langName(lang), err)
		}
	}
	return nil
}

func langName(lang string) string {
	if lang == "" {
		return "(default)"
	}
	return lang
}

// DefaultCommands returns irbot's command menu for RegisterCommands:
// Vietnamese ("vi", and the default for every other language, as the
// responders are Vietnamese) and English ("en").
func DefaultCommands() map[string][]Command {
	all := []struct{ name, vi, en string }{
		{"declare", "Khai báo sự cố: /declare <kịch bản> [sev1-4] <tiêu đề>", "Declare an incident: /declare <playbook> [sev1-4] <title>"},
		{"incidents", "Danh sách sự cố", "List incidents"},
		{"status", "Tình trạng sự cố", "Show an incident's status"},
		{"ack", "Xác nhận sự cố và bắt đầu xử lý", "Acknowledge an incident and start work"},
		{"steps", "Các bước của kịch bản", "List the playbook's steps"},
		{"done", "Đánh dấu một bước đã xong: /done <số bước>", "Mark a step done: /done <step>"},
		{"skip", "Bỏ qua một bước, kèm lý do", "Skip a step, with a reason"},
		{"next", "Chuyển sang giai đoạn tiếp theo", "Move on to the next phase"},
		{"note", "Ghi chú vào dòng thời gian", "Add a note to the timeline"},
		{"sev", "Đổi mức độ nghiêm trọng", "Change the severity"},
		{"assign", "Giao vai trò cho một người", "Assign a role to someone"},
		{"resolve", "Đánh dấu sự cố đã được khắc phục", "Mark the incident resolved"},
		{"close", "Đóng sự cố đã khắc phục", "Close a resolved incident"},
		{"reopen", "Mở lại sự cố", "Reopen an incident"},
		{"cancel", "Huỷ sự cố (báo động nhầm)", "Cancel an incident (false alarm)"},
		{"timeline", "Xem dòng thời gian của sự cố", "Show the incident's timeline"},
		{"verify", "Kiểm tra tính toàn vẹn của dòng thời gian", "Verify the timeline's integrity"},
		{"playbooks", "Danh sách kịch bản ứng phó", "List the playbooks"},
		{"help", "Hướng dẫn sử dụng", "Help"},
		{"lang", "Đổi ngôn ngữ: /lang vi hoặc /lang en", "Change the language: /lang vi or /lang en"},
	}
	vi := make([]Command, 0, len(all))
	en := make([]Command, 0, len(all))
	for _, c := range all {
		vi = append(vi, Command{Name: c.name, Description: c.vi})
		en = append(en, Command{Name: c.name, Description: c.en})
	}
	return map[string][]Command{"": vi, "vi": slices.Clone(vi), "en": en}
}
