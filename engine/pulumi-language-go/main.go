// pulumi-language-go: the project's Go language host for the Pulumi engine (what the three hosts
// share is in ../langhost). Run builds the program with `go build` and runs the binary with the
// environment `pulumi.Run` reads (PULUMI_MONITOR, PULUMI_CONFIG, ...); InstallDependencies runs
// `go mod tidy`.
//
// Unlike upstream's host, which links each run into a new temporary file, the binary is kept in
// the user cache directory, one per program directory (while that directory exists): `go build`
// then finds it up to date and links nothing when the sources have not changed (a second or two
// of CPU saved per run).
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"maytapi-pulumi/engine/langhost"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

type goHost struct{ langhost.Host }

func main() {
	host := &goHost{langhost.Host{Generate: gogen.GenerateProgram}}
	langhost.Serve("pulumi-language-go", &host.Host, host)
}

// Go's own messages for a go.mod or go.sum that does not cover the program's imports.
var untidy = []string{"missing go.sum entry", "no required module provides", "updates to go.mod needed"}

func (h *goHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	dir := info.GetProgramDirectory()
	options := info.GetOptions().AsMap()
	// Pulumi.yaml's runtime options, as upstream reads them: a prebuilt `binary` on PATH, or
	// the `buildTarget` to build into.
	program, _ := options["binary"].(string)
	if program == "" {
		goBin, err := exec.LookPath("go")
		if err != nil {
			return &pulumirpc.RunResponse{Error: "go is not on PATH: install Go (https://go.dev/doc/install)"}, nil
		}
		program, _ = options["buildTarget"].(string)
		if program == "" {
			if program, err = cachedBinary(dir); err != nil {
				return nil, err
			}
		}
		var output bytes.Buffer
		// As upstream's host builds: without the directory's path in the binary, the compiled
		// program is cached by its content alone, wherever the project is.
		build := h.Command(ctx, goBin, "build", "-trimpath", "-ldflags=-s -w", "-o", program, ".")
		build.Dir = dir
		build.Stdout, build.Stderr = &output, &output
		if err := h.Execute(build); err != nil {
			message := fmt.Sprintf("`go build` of the program in %s failed:\n%s", dir, strings.TrimSpace(output.String()))
			for _, symptom := range untidy {
				if strings.Contains(output.String(), symptom) {
					message += fmt.Sprintf("\nrun `go mod tidy` (or `pulumi install`) in %s", dir)
					break
				}
			}
			return &pulumirpc.RunResponse{Error: message}, nil
		}
	}

	config, err := langhost.ConfigEnv(req)
	if err != nil {
		return nil, err
	}
	cmd := h.Command(ctx, program)
	cmd.Dir = req.GetPwd()
	cmd.Env = append(cmd.Env, config...)
	for name, value := range map[string]string{
		pulumi.EnvOrganization:        req.GetOrganization(),
		pulumi.EnvProject:             req.GetProject(),
		pulumi.EnvPulumiRootDirectory: info.GetRootDirectory(),
		pulumi.EnvStack:               req.GetStack(),
		pulumi.EnvDryRun:              fmt.Sprint(req.GetDryRun()),
		pulumi.EnvParallel:            fmt.Sprint(req.GetParallel()),
		pulumi.EnvMonitor:             req.GetMonitorAddress(),
		pulumi.EnvEngine:              h.EngineAddress,
	} {
		if value != "" {
			cmd.Env = append(cmd.Env, name+"="+value)
		}
	}
	return h.RunProgram(cmd, "Go"), nil
}

// cachedBinary is where the program of `dir` is built: one file per program directory, beside
// a note of that directory. The binaries of directories that no longer exist are removed.
func cachedBinary(dir string) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	cache = filepath.Join(cache, "pulumi-language-go")
	notes, _ := filepath.Glob(filepath.Join(cache, "*", "program-directory"))
	for _, note := range notes {
		if was, err := os.ReadFile(note); err == nil {
			if _, err := os.Stat(string(was)); errors.Is(err, os.ErrNotExist) {
				os.RemoveAll(filepath.Dir(note))
			}
		}
	}
	sum := sha256.Sum256([]byte(dir))
	entry := filepath.Join(cache, hex.EncodeToString(sum[:8]))
	if err := os.MkdirAll(entry, 0o755); err != nil {
		return "", err
	}
	return filepath.Join(entry, filepath.Base(dir)), os.WriteFile(filepath.Join(entry, "program-directory"), []byte(dir), 0o644)
}

// module is what `go mod edit -json` and `go list -m -json` tell of a module.
type module struct {
	Path     string
	Dir      string
	Version  string
	Indirect bool
}

// GetRequiredPackages names the provider plugins the program's direct requirements declare (a
// pulumi-plugin.json with "resource": true at their root, or one or two directories down), so
// that `pulumi install` and the engine know them.
func (h *goHost) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	found := &pulumirpc.GetRequiredPackagesResponse{}
	goMod, err := goJSON[struct{ Require []module }](ctx, &h.Host, dir, "mod", "edit", "-json")
	if err != nil || len(goMod) != 1 {
		return found, nil // not a module yet: Run and InstallDependencies say what is wrong
	}
	list := []string{"list", "-m", "-json"}
	for _, required := range goMod[0].Require {
		if !required.Indirect {
			list = append(list, required.Path)
		}
	}
	modules, err := goJSON[module](ctx, &h.Host, dir, list...)
	if err != nil {
		return found, nil
	}
	for _, m := range modules {
		if m.Dir == "" {
			continue // not downloaded yet
		}
		paths, _ := filepath.Glob(filepath.Join(m.Dir, "*", "pulumi-plugin.json"))
		deeper, _ := filepath.Glob(filepath.Join(m.Dir, "*", "*", "pulumi-plugin.json"))
		for _, path := range append(append([]string{filepath.Join(m.Dir, "pulumi-plugin.json")}, paths...), deeper...) {
			p, err := plugin.LoadPulumiPluginJSON(path)
			if err != nil || !p.Resource || p.Name == "" {
				continue
			}
			version := p.Version
			if version == "" {
				version = m.Version
			}
			found.Packages = append(found.Packages, langhost.Plugin(p.Name, version, p.Server))
			break
		}
	}
	return found, nil
}

// goJSON runs `go <args>` in dir, a child of the host like any other, and decodes the stream
// of JSON values it prints.
func goJSON[T any](ctx context.Context, h *langhost.Host, dir string, args ...string) ([]T, error) {
	var out bytes.Buffer
	cmd := h.Command(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &out, io.Discard
	if err := h.Execute(cmd); err != nil {
		return nil, err
	}
	var values []T
	for decoder := json.NewDecoder(&out); decoder.More(); {
		var value T
		if err := decoder.Decode(&value); err != nil {
			return nil, err
		}
		values = append(values, value)
	}
	return values, nil
}

// InstallDependencies resolves and downloads the program's modules, for `pulumi install` and
// `pulumi new`.
func (h *goHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	return h.Install(req, server, []string{"go", "mod", "tidy"})
}
