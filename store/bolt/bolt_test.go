package bolt_test

import (
	"testing"

	"github.com/irbot/irbot/store"
	"github.com/irbot/irbot/store/bolt"
	"github.com/irbot/irbot/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Opener{
		Open: func(t *testing.T) store.Store {
			s, err := bolt.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		Reopen: func(t *testing.T, s store.Store) store.Store {
			b := s.(*bolt.Store)
			dir := b.Path()[:len(b.Path())-len(bolt.FileName)]
			b.Close()
			s2, err := bolt.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s2.Close() })
			return s2
		},
	})
}

func TestSecondProcessIsRefused(t *testing.T) {
	dir := t.TempDir()
	s, err := bolt.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := bolt.Open(dir); err == nil {
		t.Fatal("second open of a held store succeeded")
	}
}
