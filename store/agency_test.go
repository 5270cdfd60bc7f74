package store_test

import (
	"reflect"
	"testing"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

func TestAgencies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		s := storetest.Open(t, dialect, storetest.NewClock(start))

		// Created out of order, names typed decomposed.
		for _, a := range []workflow.Agency{
			{Code: "HUE", Name: nfd("UBND thành phố Huế"), Kind: workflow.KindDistrict},
			{Code: "SYT", Name: "Sở Y tế", Kind: workflow.KindDepartment},
			{Code: " SCT ", Name: "Sở Công Thương", Kind: workflow.KindDepartment},
		} {
			a := a
			if err := s.CreateAgency(ctx, nil, &a, store.Meta{}); err != nil {
				t.Fatalf("create %s: %v", a.Code, err)
			}
			if a.ID == 0 {
				t.Fatalf("create %s: no id", a.Code)
			}
		}
		list, err := s.ListAgencies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range list {
			got = append(got, string(a.Kind)+"/"+a.Code+"/"+a.Name)
		}
		want := []string{"department/SCT/Sở Công Thương", "department/SYT/Sở Y tế", "district/HUE/UBND thành phố Huế"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("list = %q, want %q (ordered by kind then code, code trimmed, name NFC)", got, want)
		}

		t.Run("duplicate code", func(t *testing.T) {
			// The same code after trimming is a duplicate, whatever the name.
			dup := workflow.Agency{Code: "SYT ", Name: "Sở Y tế (trùng)", Kind: workflow.KindDistrict}
			err := s.CreateAgency(ctx, nil, &dup, store.Meta{})
			wantCode(t, err, workflow.ECONFLICT)
			if f := fieldNames(err); !reflect.DeepEqual(f, []string{"code"}) {
				t.Fatalf("fields = %q, want [code]", f)
			}
			if dup.ID != 0 {
				t.Fatalf("a refused agency got id %d", dup.ID)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM agencies`); n != 3 {
				t.Fatalf("%d agencies stored, want 3", n)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM agencies WHERE name = ?`, "Sở Y tế (trùng)"); n != 0 {
				t.Fatal("the duplicate's name was stored")
			}
		})

		t.Run("invalid kind", func(t *testing.T) {
			bad := workflow.Agency{Code: "SXD", Name: "Sở Xây dựng", Kind: "ward"}
			err := s.CreateAgency(ctx, nil, &bad, store.Meta{})
			wantCode(t, err, workflow.EINVALID)
			if f := fieldNames(err); !reflect.DeepEqual(f, []string{"kind"}) {
				t.Fatalf("fields = %q, want [kind]", f)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM agencies WHERE code = ?`, "SXD"); n != 0 {
				t.Fatal("an agency of an unknown kind was stored")
			}
			// Every missing field is named at once.
			err = s.CreateAgency(ctx, nil, &workflow.Agency{Code: "  ", Kind: ""}, store.Meta{})
			wantCode(t, err, workflow.EINVALID)
			if f := fieldNames(err); !reflect.DeepEqual(f, []string{"code", "name", "kind"}) {
				t.Fatalf("fields = %q, want [code name kind]", f)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM agencies`); n != 3 {
				t.Fatalf("%d agencies stored, want 3", n)
			}
		})
	})
}
