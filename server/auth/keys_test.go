package auth

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLoadKeys(t *testing.T) {
	t.Run("created once with mode 0600", func(t *testing.T) {
		dir := t.TempDir()
		a, err := LoadKeys(dir, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(filepath.Join(dir, KeyFileName))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("key file: %v %v", err, info)
		}
		b, err := LoadKeys(dir, time.Now())
		if err != nil || b.Signing().ID != a.Signing().ID {
			t.Fatalf("second load made a new key: %v", err)
		}
	})
	t.Run("from the environment", func(t *testing.T) {
		seed := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
		t.Setenv(EnvKeys, "k2:"+seed+",k1:"+seed)
		ks, err := LoadKeys(t.TempDir(), time.Now())
		if err != nil || ks.Signing().ID != "k2" || len(ks.IDs()) != 2 {
			t.Fatalf("%v %v", ks, err)
		}
	})
	for _, bad := range []string{"nokid", "k:!!", "k:c2hvcnQ", "k:" + base64.RawURLEncoding.EncodeToString(make([]byte, 32)) + ",k:" + base64.RawURLEncoding.EncodeToString(make([]byte, 32))} {
		t.Run("bad env "+bad[:min(len(bad), 8)], func(t *testing.T) {
			if _, err := ParseKeys(bad); err == nil {
				t.Fatalf("%q accepted", bad)
			}
		})
	}
}

func TestKeySet_CursorKeys(t *testing.T) {
	a, _ := NewKey(time.Now())
	b, _ := NewKey(time.Now())
	ks, err := NewKeySet(a, b)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := NewKeySet(a, b)
	got, same := ks.CursorKeys(), again.CursorKeys()
	if len(got) != 2 || len(got[0]) != 32 || string(got[0]) == string(got[1]) {
		t.Fatalf("cursor keys = %x", got)
	}
	if string(got[0]) != string(same[0]) || string(got[1]) != string(same[1]) {
		t.Fatal("the same signing keys give different cursor keys")
	}
	if string(got[0]) == string(a.Seed) {
		t.Fatal("the cursor key is the signing seed itself")
	}
}
