package views

import "strings"

func describedBy(f Form, name, hint string) string {
	var ids []string
	if hint != "" {
		ids = append(ids, "f-"+name+"-hint")
	}
	if f.Err(name) != "" {
		ids = append(ids, "f-"+name+"-error")
	}
	return strings.Join(ids, " ")
}
