package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// write is one place in the code that writes a table.
type write struct {
	Table string
	Pkg   string // directory relative to the module root: "internal/org"
	Pos   string // file:line relative to the module root
	How   string // "INSERT", "UPDATE", "DELETE", "COPY", "TRUNCATE", "CopyFrom", "gorm Create" ...
}

func (w write) String() string { return fmt.Sprintf("%s (%s, %s)", w.Pos, w.Pkg, w.How) }

// Statements that write, as regular expressions over SQL text (Go string
// literals and .sql files). The table name is the last group.
var (
	sqlIdent   = `"?([A-Za-z_][A-Za-z0-9_]*)"?(?:\."?([A-Za-z_][A-Za-z0-9_]*)"?)?`
	insertRe   = regexp.MustCompile(`(?is)\bINSERT\s+INTO\s+` + sqlIdent)
	deleteRe   = regexp.MustCompile(`(?is)\bDELETE\s+FROM\s+(?:ONLY\s+)?` + sqlIdent)
	updateRe   = regexp.MustCompile(`(?is)(\b[A-Za-z]+\s+)?\bUPDATE\s+(?:ONLY\s+)?` + sqlIdent)
	copyRe     = regexp.MustCompile(`(?is)\bCOPY\s+` + sqlIdent + `\s*(?:\(|FROM\b)`)
	truncateRe = regexp.MustCompile(`(?is)\bTRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?([A-Za-z0-9_,\s."]+)`)
)

// tableOf returns the table named by a match of sqlIdent: the part after
// the schema when there is one.
func tableOf(schemaOrName, name string) string {
	if name != "" {
		if strings.EqualFold(schemaOrName, "pg_temp") {
			return "" // temporary tables belong to the session that made them
		}
		return strings.ToLower(name)
	}
	return strings.ToLower(schemaOrName)
}

// sqlWrites finds the writes in one piece of SQL text.
func sqlWrites(text string) (out []struct{ Table, How string }) {
	add := func(table, how string) {
		if table != "" {
			out = append(out, struct{ Table, How string }{table, how})
		}
	}
	for _, m := range insertRe.FindAllStringSubmatch(text, -1) {
		add(tableOf(m[1], m[2]), "INSERT")
	}
	for _, m := range deleteRe.FindAllStringSubmatch(text, -1) {
		add(tableOf(m[1], m[2]), "DELETE")
	}
	for _, m := range updateRe.FindAllStringSubmatch(text, -1) {
		// "FOR UPDATE", "FOR NO KEY UPDATE", "DO UPDATE SET" are not
		// UPDATE statements.
		prev := strings.ToUpper(strings.TrimSpace(m[1]))
		if prev == "FOR" || prev == "KEY" || prev == "DO" {
			continue
		}
		t := tableOf(m[2], m[3])
		if t == "set" || t == "skip" || t == "nowait" || t == "of" {
			continue
		}
		add(t, "UPDATE")
	}
	for _, m := range copyRe.FindAllStringSubmatch(text, -1) {
		add(tableOf(m[1], m[2]), "COPY")
	}
	for _, m := range truncateRe.FindAllStringSubmatch(text, -1) {
		for _, t := range strings.Split(m[1], ",") {
			f := strings.Fields(t)
			if len(f) == 0 {
				continue
			}
			name := strings.Trim(f[0], `";`)
			if i := strings.LastIndex(name, "."); i >= 0 {
				name = name[i+1:]
			}
			add(strings.ToLower(name), "TRUNCATE")
		}
	}
	return out
}

// gormWriteMethods are the gorm methods that write the statement's model.
var gormWriteMethods = map[string]bool{
	"Create": true, "CreateInBatches": true, "Save": true, "Update": true, "Updates": true,
	"UpdateColumn": true, "UpdateColumns": true, "Delete": true, "FirstOrCreate": true,
}

// scanner collects writes over a tree of Go and SQL files.
type scanner struct {
	root   string
	fset   *token.FileSet
	files  []*parsedFile
	tables map[string]string // "internal/org.Organisation" -> table, from TableName() methods or gorm's default naming
	writes []write
}

type parsedFile struct {
	rel     string
	pkg     string
	file    *ast.File
	imports map[string]string // local name -> directory of a takumi package
}

// scanTree scans every non-test .go file and every .sql file outside
// migrations/ below root.
func scanTree(root string) ([]write, error) {
	s := &scanner{root: root, fset: token.NewFileSet(), tables: map[string]string{}}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "testdata", "vendor", "static":
				return filepath.SkipDir
			}
			if rel == "migrations" {
				return filepath.SkipDir
			}
			return nil
		}
		pkg := filepath.ToSlash(filepath.Dir(rel))
		switch {
		case strings.HasSuffix(path, ".sql"):
			pkg = goPackageDir(root, pkg)
			body, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			s.scanSQLFile(rel, pkg, string(body))
		case strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
			f, err := parser.ParseFile(s.fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			pf := &parsedFile{rel: rel, pkg: pkg, file: f, imports: map[string]string{}}
			for _, im := range f.Imports {
				path, _ := strconv.Unquote(im.Path.Value)
				dir, ok := strings.CutPrefix(path, modulePath+"/")
				if !ok {
					continue
				}
				name := dir[strings.LastIndex(dir, "/")+1:]
				if im.Name != nil {
					name = im.Name.Name
				}
				pf.imports[name] = dir
			}
			s.files = append(s.files, pf)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, f := range s.files {
		s.collectTableNames(f)
	}
	copiers := findCopyHelpers(s.files)
	for _, f := range s.files {
		s.scanGoFile(f, copiers)
	}
	sort.Slice(s.writes, func(i, j int) bool { return s.writes[i].Pos < s.writes[j].Pos })
	return s.writes, nil
}

func (s *scanner) scanSQLFile(rel, pkg, body string) {
	// Statement by statement, with the line each starts on.
	lineNo := 1
	for _, stmt := range strings.SplitAfter(stripSQLComments(body), ";") {
		start := lineNo + strings.Count(stmt[:len(stmt)-len(strings.TrimLeft(stmt, " \t\r\n"))], "\n")
		for _, w := range sqlWrites(stmt) {
			s.writes = append(s.writes, write{Table: w.Table, Pkg: pkg, Pos: fmt.Sprintf("%s:%d", rel, start), How: w.How})
		}
		lineNo += strings.Count(stmt, "\n")
	}
}

var sqlComment = regexp.MustCompile(`--[^\n]*`)

func stripSQLComments(s string) string { return sqlComment.ReplaceAllString(s, "") }

// modulePath is the module's import path (go.mod).
const modulePath = "takumi"

// collectTableNames records func (T) TableName() string { return "x" },
// and gorm's default name (snake case, plural) for every other struct type.
func (s *scanner) collectTableNames(f *parsedFile) {
	for _, d := range f.file.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.TYPE {
			continue
		}
		for _, sp := range g.Specs {
			ts := sp.(*ast.TypeSpec)
			if _, ok := ts.Type.(*ast.StructType); ok {
				key := f.pkg + "." + ts.Name.Name
				if _, set := s.tables[key]; !set {
					s.tables[key] = gormDefaultTable(ts.Name.Name)
				}
			}
		}
	}
	for _, d := range f.file.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "TableName" || fn.Recv == nil || len(fn.Recv.List) != 1 || fn.Body == nil {
			continue
		}
		typ := recvName(fn.Recv.List[0].Type)
		for _, st := range fn.Body.List {
			if r, ok := st.(*ast.ReturnStmt); ok && len(r.Results) == 1 {
				if lit, ok := r.Results[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if v, err := strconv.Unquote(lit.Value); err == nil {
						s.tables[f.pkg+"."+typ] = v
					}
				}
			}
		}
	}
}

func recvName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return recvName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return ""
}

func (s *scanner) pos(f *parsedFile, p token.Pos) string {
	return fmt.Sprintf("%s:%d", f.rel, s.fset.Position(p).Line)
}

func (s *scanner) scanGoFile(f *parsedFile, copiers map[string]int) {
	// Every string literal is read as SQL; adjacent literals joined with +
	// are read as one.
	ast.Inspect(f.file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BinaryExpr:
			if text, ok := constString(n); ok {
				s.addSQL(f, n.Pos(), text)
				return false
			}
		case *ast.BasicLit:
			if n.Kind == token.STRING {
				if v, err := strconv.Unquote(n.Value); err == nil {
					s.addSQL(f, n.Pos(), v)
				}
			}
		}
		return true
	})
	// gorm writes and pgx CopyFrom, function by function so that local
	// variables' types can be looked up.
	for _, d := range f.file.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		vars := localTypes(fn, f)
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if i, ok := copiers[f.pkg+"."+calleeName(call)]; ok && i < len(call.Args) {
				if t, ok := constString(call.Args[i]); ok {
					s.writes = append(s.writes, write{Table: strings.ToLower(t), Pkg: f.pkg, Pos: s.pos(f, call.Pos()), How: "COPY via " + calleeName(call)})
				}
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if sel.Sel.Name == "CopyFrom" && len(call.Args) >= 2 {
				if t := identifierTable(call.Args[1]); t != "" {
					s.writes = append(s.writes, write{Table: t, Pkg: f.pkg, Pos: s.pos(f, call.Pos()), How: "pgx CopyFrom"})
				}
				return true
			}
			if !gormWriteMethods[sel.Sel.Name] || !looksLikeGormChain(sel.X) {
				return true
			}
			table := s.chainTable(f, sel.X, vars)
			if table == "" && len(call.Args) > 0 && sel.Sel.Name != "Update" && sel.Sel.Name != "UpdateColumn" {
				table = s.exprTable(f, call.Args[0], vars)
			}
			if table != "" {
				s.writes = append(s.writes, write{Table: table, Pkg: f.pkg, Pos: s.pos(f, call.Pos()), How: "gorm " + sel.Sel.Name})
			}
			return true
		})
	}
}

func (s *scanner) addSQL(f *parsedFile, p token.Pos, text string) {
	for _, w := range sqlWrites(text) {
		s.writes = append(s.writes, write{Table: w.Table, Pkg: f.pkg, Pos: s.pos(f, p), How: w.How})
	}
}

// constString joins a + b + ... of string literals.
func constString(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		v, err := strconv.Unquote(e.Value)
		return v, err == nil
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		a, ok1 := constString(e.X)
		b, ok2 := constString(e.Y)
		return a + b, ok1 && ok2
	case *ast.ParenExpr:
		return constString(e.X)
	}
	return "", false
}

// identifierTable reads pgx.Identifier{"table"} (or {"schema", "table"}).
func identifierTable(e ast.Expr) string {
	lit, ok := e.(*ast.CompositeLit)
	if !ok || len(lit.Elts) == 0 {
		return ""
	}
	last, ok := lit.Elts[len(lit.Elts)-1].(*ast.BasicLit)
	if !ok {
		return ""
	}
	v, _ := strconv.Unquote(last.Value)
	if len(lit.Elts) == 2 {
		if first, ok := lit.Elts[0].(*ast.BasicLit); ok && strings.Contains(strings.ToLower(first.Value), "pg_temp") {
			return ""
		}
	}
	return strings.ToLower(v)
}

// looksLikeGormChain reports whether x is a gorm statement: a chain that
// mentions a *gorm.DB by the names the code base gives it (db, tx, DB,
// Gorm) or calls WithContext/Model/Table/Where on it.
func looksLikeGormChain(x ast.Expr) bool {
	for {
		switch e := x.(type) {
		case *ast.CallExpr:
			if sel, ok := e.Fun.(*ast.SelectorExpr); ok {
				switch sel.Sel.Name {
				case "WithContext", "Model", "Table", "Where", "Session", "Clauses", "Omit", "Select", "Unscoped":
					return true
				}
				x = sel.X
				continue
			}
			return false
		case *ast.SelectorExpr:
			switch e.Sel.Name {
			case "db", "DB", "Gorm", "tx", "gorm":
				return true
			}
			x = e.X
		case *ast.Ident:
			switch e.Name {
			case "db", "tx", "gdb", "stx", "gormDB":
				return true
			}
			return false
		default:
			return false
		}
	}
}

// chainTable finds Table("x") or Model(v) in a call chain.
func (s *scanner) chainTable(f *parsedFile, x ast.Expr, vars map[string]string) string {
	for {
		call, ok := x.(*ast.CallExpr)
		if !ok {
			if sel, ok := x.(*ast.SelectorExpr); ok {
				x = sel.X
				continue
			}
			return ""
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return ""
		}
		switch sel.Sel.Name {
		case "Table":
			if len(call.Args) > 0 {
				if v, ok := constString(call.Args[0]); ok {
					return strings.ToLower(strings.Fields(v + " ")[0])
				}
			}
		case "Model":
			if len(call.Args) > 0 {
				if t := s.exprTable(f, call.Args[0], vars); t != "" {
					return t
				}
			}
		}
		x = sel.X
	}
}

// exprTable resolves &T{}, T{}, []T{}, &x or x (a local variable or
// parameter of a known type) to T's table.
func (s *scanner) exprTable(f *parsedFile, e ast.Expr, vars map[string]string) string {
	switch e := e.(type) {
	case *ast.UnaryExpr:
		return s.exprTable(f, e.X, vars)
	case *ast.CompositeLit:
		return s.tables[qualifiedType(f, e.Type)]
	case *ast.Ident:
		return s.tables[vars[e.Name]]
	case *ast.IndexExpr:
		return s.exprTable(f, e.X, vars)
	}
	return ""
}

// qualifiedType is "dir.T" for T, *T, []T, []*T or pkg.T (a takumi
// package), "" for anything else.
func qualifiedType(f *parsedFile, e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return f.pkg + "." + t.Name
	case *ast.StarExpr:
		return qualifiedType(f, t.X)
	case *ast.ArrayType:
		return qualifiedType(f, t.Elt)
	case *ast.SelectorExpr:
		if x, ok := t.X.(*ast.Ident); ok && f.imports[x.Name] != "" {
			return f.imports[x.Name] + "." + t.Sel.Name
		}
	}
	return ""
}

// gormDefaultTable is gorm's default table name for a type: snake case,
// plural (the common English plurals only).
func gormDefaultTable(name string) string {
	var b strings.Builder
	for i, r := range name {
		if i > 0 && r >= 'A' && r <= 'Z' {
			prev := rune(name[i-1])
			next := rune(0)
			if i+1 < len(name) {
				next = rune(name[i+1])
			}
			if prev >= 'a' && prev <= 'z' || (next >= 'a' && next <= 'z') {
				b.WriteByte('_')
			}
		}
		b.WriteRune(r)
	}
	s := strings.ToLower(b.String())
	switch {
	case strings.HasSuffix(s, "y") && !strings.HasSuffix(s, "ey"):
		return s[:len(s)-1] + "ies"
	case strings.HasSuffix(s, "s"), strings.HasSuffix(s, "x"), strings.HasSuffix(s, "ch"), strings.HasSuffix(s, "sh"):
		return s + "es"
	}
	return s + "s"
}

// localTypes maps the function's parameters, receiver and local variables
// to their type names, as far as the syntax says them (var x T, x := T{},
// x := &T{}).
func localTypes(fn *ast.FuncDecl, pf *parsedFile) map[string]string {
	vars := map[string]string{}
	fields := func(fl *ast.FieldList) {
		if fl == nil {
			return
		}
		for _, f := range fl.List {
			for _, n := range f.Names {
				vars[n.Name] = qualifiedType(pf, f.Type)
			}
		}
	}
	fields(fn.Recv)
	fields(fn.Type.Params)
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ValueSpec:
			if n.Type != nil {
				for _, id := range n.Names {
					vars[id.Name] = qualifiedType(pf, n.Type)
				}
			}
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE && len(n.Lhs) == len(n.Rhs) {
				for i, l := range n.Lhs {
					id, ok := l.(*ast.Ident)
					if !ok {
						continue
					}
					r := n.Rhs[i]
					if u, ok := r.(*ast.UnaryExpr); ok {
						r = u.X
					}
					if c, ok := r.(*ast.CompositeLit); ok {
						vars[id.Name] = qualifiedType(pf, c.Type)
					}
				}
			}
		}
		return true
	})
	return vars
}

// calleeName is f for f(...) and x.f(...).
func calleeName(call *ast.CallExpr) string {
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		return fn.Name
	case *ast.SelectorExpr:
		return fn.Sel.Name
	}
	return ""
}

// findCopyHelpers finds the functions that COPY into a table named by one
// of their parameters (CopyFrom(ctx, pgx.Identifier{table}, ...)), and the
// functions that pass their own parameter on to such a helper, so that a
// call helper(ctx, "users", ...) counts as a COPY into users. The result
// maps "dir.funcName" to the index of the table parameter.
func findCopyHelpers(files []*parsedFile) map[string]int {
	out := map[string]int{}
	for changed := true; changed; {
		changed = false
		for _, f := range files {
			for _, d := range f.file.Decls {
				fn, ok := d.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				key := f.pkg + "." + fn.Name.Name
				if _, done := out[key]; done {
					continue
				}
				params := map[string]int{}
				i := 0
				for _, fl := range fn.Type.Params.List {
					for _, n := range fl.Names {
						params[n.Name] = i
						i++
					}
					if len(fl.Names) == 0 {
						i++
					}
				}
				ast.Inspect(fn.Body, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok {
						return true
					}
					var arg ast.Expr
					if calleeName(call) == "CopyFrom" && len(call.Args) >= 2 {
						if lit, ok := call.Args[1].(*ast.CompositeLit); ok && len(lit.Elts) == 1 {
							arg = lit.Elts[0]
						}
					} else if j, ok := out[f.pkg+"."+calleeName(call)]; ok && j < len(call.Args) {
						arg = call.Args[j]
					}
					if id, ok := arg.(*ast.Ident); ok {
						if p, ok := params[id.Name]; ok {
							out[key] = p
							changed = true
						}
					}
					return true
				})
			}
		}
	}
	return out
}

// goPackageDir is the package a .sql file in dir belongs to: the nearest
// directory at or above dir that holds Go files (internal/learning for
// internal/learning/sql/x.sql, which internal/learning embeds).
func goPackageDir(root, dir string) string {
	for d := dir; d != "." && d != "/" && d != ""; d = filepath.ToSlash(filepath.Dir(d)) {
		entries, _ := os.ReadDir(filepath.Join(root, d))
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".go") {
				return d
			}
		}
	}
	return dir
}
