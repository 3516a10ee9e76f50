package account_test

import (
	"reflect"
	"testing"
	"time"

	"takumi/internal/account"
)

// TestUserClone: every field of a clone equals the original's, and no
// pointer, slice or map of the clone is the original's, so a request that
// changes its copy of a cached account changes no other request's. It walks
// User's fields by reflection, so a field added later is checked too.
func TestUserClone(t *testing.T) {
	var u account.User
	v := reflect.ValueOf(&u).Elem()
	// Set every field to a non-zero value, pointers to a non-nil one.
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Pointer:
			p := reflect.New(f.Type().Elem())
			fill(t, v.Type().Field(i).Name, p.Elem())
			f.Set(p)
		default:
			fill(t, v.Type().Field(i).Name, f)
		}
	}
	c := u.Clone()
	if !reflect.DeepEqual(c, &u) {
		t.Fatalf("clone differs:\n%+v\n%+v", *c, u)
	}
	cv := reflect.ValueOf(c).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		switch v.Field(i).Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			if v.Field(i).Pointer() == cv.Field(i).Pointer() {
				t.Errorf("User.%s: the clone shares the original's %s", name, v.Field(i).Kind())
			}
		}
	}
	var bare account.User
	if got := bare.Clone(); !reflect.DeepEqual(got, &bare) {
		t.Errorf("clone of a zero User: %+v", *got)
	}
}

func fill(t *testing.T, name string, f reflect.Value) {
	switch f.Kind() {
	case reflect.String:
		f.SetString("x-" + name)
	case reflect.Int, reflect.Int64:
		f.SetInt(7)
	case reflect.Bool:
		f.SetBool(true)
	case reflect.Struct:
		if f.Type() != reflect.TypeOf(time.Time{}) {
			t.Fatalf("User.%s: fill does not know %s", name, f.Type())
		}
		f.Set(reflect.ValueOf(time.Date(2026, 12, 7, 1, 2, 3, 0, time.UTC)))
	default:
		t.Fatalf("User.%s: fill does not know %s (a slice or map field needs Clone and this test extended)", name, f.Kind())
	}
}
