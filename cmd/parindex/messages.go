package main

import (
	"errors"
	"strings"

	"golang.org/x/text/language"

	"parindex/i18n"
	"parindex/workflow"
)

// lang is the language the command line writes domain errors in:
// Vietnamese, or English when the locale is an English one (en_US.UTF-8),
// read as the C library reads it: LC_ALL, then LC_MESSAGES, then LANG.
func (m *Main) lang() language.Tag {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := m.Getenv(name); v != "" {
			if strings.HasPrefix(v, "en") {
				return i18n.EN
			}
			return i18n.VI
		}
	}
	return i18n.VI
}

// say is a text of the catalogue in the command line's language.
func (m *Main) say(format string, args ...any) string {
	return i18n.Sprintf(m.lang(), format, args...)
}

// cliError is a domain error's message for people, in the command line's
// language; an internal error keeps its detail, as the operator running the
// command is the one to read it.
func (m *Main) cliError(err error) error {
	if code := workflow.ErrorCode(err); code != workflow.EINTERNAL && code != "" {
		format, args := workflow.ErrorFormat(err)
		return errors.New(m.say(format, args...))
	}
	return err
}

// rowWhere names an officials list's field error where the official will
// look for it: "dòng 3, cột Họ và tên" for rows/3/name.
func (m *Main) rowWhere(field string) string {
	rest, ok := strings.CutPrefix(field, "rows/")
	if !ok {
		return field
	}
	row, column, _ := strings.Cut(rest, "/")
	return m.say("dòng %s, cột %s", row, workflow.Phrase("officials:"+column))
}
