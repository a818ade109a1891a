// Command depcost prints what each dependency costs the controller binary:
// bytes of code and data per package and per module (from the symbol table
// of a build that was not stripped), and package initialisation time and
// allocations (from GODEBUG=inittrace=1 lines). bench/deps.sh runs it.
//
//	depcost size BINARY            bytes per package (top 25) and per module
//	depcost init < inittrace.txt   init time and allocations per package
package main

import (
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: depcost size BINARY | depcost init < trace")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "size":
		if len(os.Args) != 3 {
			err = fmt.Errorf("usage: depcost size BINARY")
			break
		}
		err = sizes(os.Args[2])
	case "init":
		err = inits(os.Stdin)
	default:
		err = fmt.Errorf("unknown mode %q (want size or init)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "depcost: %v\n", err)
		os.Exit(1)
	}
}

// sizes sums the sizes of the binary's symbols that occupy the file (code,
// read-only data, data; not .bss) by the package that defines them.
func sizes(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return fmt.Errorf("%s: %w (build it without -ldflags=-s)", path, err)
	}
	inFile := map[elf.SectionIndex]bool{}
	for i, s := range f.Sections {
		if s.Type != elf.SHT_NOBITS && s.Flags&elf.SHF_ALLOC != 0 {
			inFile[elf.SectionIndex(i)] = true
		}
	}
	byPkg := map[string]uint64{}
	var total uint64
	for _, s := range syms {
		if !inFile[s.Section] || s.Size == 0 {
			continue
		}
		byPkg[pkgOf(s.Name)] += s.Size
		total += s.Size
	}
	var mods []string
	if bi, err := buildinfo.ReadFile(path); err == nil {
		for _, m := range bi.Deps {
			mods = append(mods, m.Path)
		}
		mods = append(mods, bi.Main.Path)
	}
	byMod := map[string]uint64{}
	for p, n := range byPkg {
		byMod[moduleOf(p, mods)] += n
	}
	st, _ := os.Stat(path)
	fmt.Printf("%s: %d bytes on disk; symbols in the file: %d bytes\n\n", path, st.Size(), total)
	printTop("package", byPkg, total, 25)
	fmt.Println()
	printTop("module", byMod, total, 20)
	return nil
}

// version matches a last path element like yaml.v3.
var version = regexp.MustCompile(`^[^.]+\.v\d+`)

// pkgOf is the package path of a Go symbol name: up to the first dot after
// the last slash, with runtime metadata (type:, go:) named for what it is.
func pkgOf(name string) string {
	switch {
	case strings.HasPrefix(name, "go:"), strings.HasPrefix(name, "runtime.") && strings.Contains(name, ".."):
		if i := strings.IndexAny(name, ".*"); strings.HasPrefix(name, "go:") && i > 0 {
			return name[:i] + " (runtime metadata)"
		}
	}
	name = strings.TrimPrefix(name, "type:")
	name = strings.TrimLeft(name, "*[]")
	if i := strings.IndexAny(name, "[("); i > 0 {
		name = name[:i]
	}
	slash := strings.LastIndex(name, "/")
	rest := name[slash+1:]
	if m := version.FindString(rest); m != "" && len(rest) > len(m) && rest[len(m)] == '.' {
		return name[:slash+1+len(m)]
	}
	if i := strings.Index(rest, "."); i >= 0 {
		return name[:slash+1+i]
	}
	return name
}

// moduleOf is the module that holds a package: the longest module path that
// prefixes it, or "std" for the standard library.
func moduleOf(pkg string, mods []string) string {
	best := ""
	for _, m := range mods {
		if (pkg == m || strings.HasPrefix(pkg, m+"/")) && len(m) > len(best) {
			best = m
		}
	}
	if best != "" {
		return best
	}
	if strings.Contains(pkg, " ") || !strings.Contains(strings.SplitN(pkg, "/", 2)[0], ".") {
		return "std (and runtime metadata)"
	}
	return pkg
}

func printTop(what string, m map[string]uint64, total uint64, n int) {
	type kv struct {
		k string
		v uint64
	}
	var all []kv
	for k, v := range m {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v || all[i].v == all[j].v && all[i].k < all[j].k })
	fmt.Printf("| %s (top %d of %d) | bytes | share |\n|---|---:|---:|\n", what, min(n, len(all)), len(all))
	for i, e := range all {
		if i == n {
			break
		}
		fmt.Printf("| %s | %d | %.1f %% |\n", e.k, e.v, 100*float64(e.v)/float64(total))
	}
}

// initLine is one line of GODEBUG=inittrace=1:
// "init github.com/x/y @1.2 ms, 0.31 ms clock, 5120 bytes, 40 allocs".
var initLine = regexp.MustCompile(`^init (\S+) @([\d.]+) ms, ([\d.]+) ms clock, (\d+) bytes, (\d+) allocs`)

type initCost struct {
	clock      []float64
	bytes      []float64
	allocs     []float64
	firstOrder int
}

// inits reads inittrace output of one or more runs of the same binary (a
// package seen again starts a new run) and prints the median per package.
func inits(r *os.File) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	pkgs := map[string]*initCost{}
	var runs []map[string]bool
	var ends []float64 // per run: @ + clock of its last init, i.e. when main could start
	for _, line := range strings.Split(string(data), "\n") {
		m := initLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		if len(runs) == 0 || runs[len(runs)-1][m[1]] {
			runs = append(runs, map[string]bool{})
			ends = append(ends, 0)
		}
		runs[len(runs)-1][m[1]] = true
		c := pkgs[m[1]]
		if c == nil {
			c = &initCost{firstOrder: len(pkgs)}
			pkgs[m[1]] = c
		}
		at, clock, b, a := num(m[2]), num(m[3]), num(m[4]), num(m[5])
		c.clock, c.bytes, c.allocs = append(c.clock, clock), append(c.bytes, b), append(c.allocs, a)
		ends[len(ends)-1] = max(ends[len(ends)-1], at+clock)
	}
	if len(runs) == 0 {
		return fmt.Errorf("no inittrace lines on stdin (run the binary with GODEBUG=inittrace=1)")
	}
	var sumClock, sumBytes, sumAllocs float64
	type row struct {
		pkg                  string
		clock, bytes, allocs float64
	}
	var rows []row
	for p, c := range pkgs {
		r := row{p, median(c.clock), median(c.bytes), median(c.allocs)}
		rows = append(rows, r)
		sumClock, sumBytes, sumAllocs = sumClock+r.clock, sumBytes+r.bytes, sumAllocs+r.allocs
	}
	sort.Slice(rows, func(i, j int) bool {
		return rows[i].clock > rows[j].clock || rows[i].clock == rows[j].clock && rows[i].bytes > rows[j].bytes
	})
	fmt.Printf("%d runs, %d packages with init work; medians: %.2f ms of init clock in all, %.0f KiB and %.0f allocations; main reached at %.2f ms after the runtime began\n\n",
		len(runs), len(rows), sumClock, sumBytes/1024, sumAllocs, median(ends))
	fmt.Println("| package (top 20 by init clock) | init clock ms (median) | KiB allocated | allocs |")
	fmt.Println("|---|---:|---:|---:|")
	for i, r := range rows {
		if i == 20 {
			break
		}
		fmt.Printf("| %s | %.3f | %.1f | %.0f |\n", r.pkg, r.clock, r.bytes/1024, r.allocs)
	}
	return nil
}

func num(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
