// Package langhost is what the project's language hosts (pulumi-language-python, -nodejs and -go)
// share: serving the engine, watching it, running a program's processes so that none outlives
// the engine, passing the stack's config to a program, streaming dependency installs, and the
// code `pulumi import` prints. Each host is a small main package around it.
//
// Upstream's language hosts are Go modules of their own that the module proxies reachable from
// this project's machines do not serve, while the SDK module (gRPC contracts, serving helpers)
// and the code generators in pkg/v3 are served at every version the project pins. A host
// implements what a user's `pulumi preview/up/refresh/destroy/import/install/new` needs; every
// other call answers Unimplemented, which the engine treats as "not supported" and skips.
package langhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// A program that has already shown the user its error exits with this code, in every SDK.
const userActionableExitCode = 32

// How often the engine is asked whether it is still there. Upstream's hosts ask every five
// minutes; a killed engine's host would then outlive it by minutes. One loopback call a second
// costs nothing next to a program run.
const engineCheckInterval = time.Second

// Host is the part of every language host that does not depend on the language: embed it,
// then add Run (and what else the language needs).
type Host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	// EngineAddress is the engine's gRPC address, which programs report to.
	EngineAddress string
	// Generate turns a bound PCL program into source files of the host's language.
	Generate Generator

	stopped  context.Context
	children sync.WaitGroup
}

// Serve serves `host` to the engine that started this process until the engine stops it or is
// gone, then exits, taking every process the host started with it: a CLI killed with SIGKILL (a
// cancelled CI job) cannot stop its plugins itself.
func Serve(name string, host *Host, server pulumirpc.LanguageRuntimeServer) {
	// The engine appends flags (-tracing, -v, ...) before its own address, which comes last.
	for _, arg := range os.Args[1:] {
		if arg == "-version" || arg == "--version" {
			fmt.Println(version.Version)
			return
		}
		if !strings.HasPrefix(arg, "-") {
			host.EngineAddress = arg
		}
	}
	stopped, stop := context.WithCancelCause(context.Background())
	host.stopped = stopped
	// The engine stops its plugins with SIGINT and waits out a grace period for them to exit.
	// A host started with SIGINT ignored (a background job of a non-interactive shell) would
	// never hear it, costing every program run that grace period.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		stop(nil)
	}()

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, server)
			return nil
		},
	})
	if err != nil {
		fail(name, fmt.Errorf("could not start the language host: %w", err))
	}
	if host.EngineAddress != "" {
		// Upstream's own watch: any failed health check of the engine's gRPC server stops us.
		gone := func() { stop(fmt.Errorf("the engine at %s is gone", host.EngineAddress)) }
		if err := rpcutil.Healthcheck(stopped, host.EngineAddress, engineCheckInterval, gone); err != nil {
			fail(name, fmt.Errorf("could not watch the engine at %s: %w", host.EngineAddress, err))
		}
	}
	// The engine reads the port from our first line of output.
	fmt.Printf("%d\n", handle.Port)
	select {
	case err := <-handle.Done:
		if err != nil {
			fail(name, err)
		}
	case <-stopped.Done():
		// Every child's context follows `stopped`: each is killed, with its process group, and reaped.
		host.children.Wait()
		if err := context.Cause(stopped); !errors.Is(err, context.Canceled) {
			fail(name, err)
		}
	}
}

func fail(name string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	os.Exit(1)
}

// Command prepares a child process of the host (a program, a compiler, a package manager): it
// runs in a process group of its own and, when ctx ends or the host stops, is killed with
// everything it started (a compiler's own children included). Run it with Host.Execute.
func (h *Host) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	ctx, cancel := context.WithCancel(ctx)
	context.AfterFunc(h.stopped, cancel)
	cmd := exec.CommandContext(ctx, name, args...)
	cmdutil.RegisterProcessGroup(cmd)
	cmd.Cancel = func() error {
		err := cmdutil.KillChildren(cmd.Process.Pid) // its whole group; on Windows, its children
		_ = cmd.Process.Kill()                       // on Windows, the child itself (done already elsewhere)
		return err
	}
	cmd.Env = os.Environ()
	// Pipes rather than the host's own descriptors: Node.js may make those non-blocking.
	cmd.Stdout, cmd.Stderr = struct{ io.Writer }{os.Stdout}, struct{ io.Writer }{os.Stderr}
	return cmd
}

// Execute runs a command made by Command to its end; the host does not exit before it has.
func (h *Host) Execute(cmd *exec.Cmd) error {
	h.children.Add(1)
	defer h.children.Done()
	return cmd.Run()
}

// RunProgram runs the user's program and answers the engine as upstream's hosts do: an exit
// code of 32 means the program already showed its error, so the engine only bails.
func (h *Host) RunProgram(cmd *exec.Cmd, language string) *pulumirpc.RunResponse {
	err := h.Execute(cmd)
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}
	case errors.As(err, &exitErr) && exitErr.ExitCode() == userActionableExitCode:
		return &pulumirpc.RunResponse{Bail: true}
	case errors.As(err, &exitErr):
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the %s program: %v", language, err)}
	}
}

// ConfigEnv is the stack's config as every SDK reads it from its environment. The SDKs read both
// variables as JSON and choke on null: {} and [] when there are none.
func ConfigEnv(req *pulumirpc.RunRequest) ([]string, error) {
	configMap, secretKeys := req.GetConfig(), req.GetConfigSecretKeys()
	if configMap == nil {
		configMap = map[string]string{}
	}
	if secretKeys == nil {
		secretKeys = []string{}
	}
	config, err := json.Marshal(configMap)
	if err != nil {
		return nil, err
	}
	secrets, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	return []string{"PULUMI_CONFIG=" + string(config), "PULUMI_CONFIG_SECRET_KEYS=" + string(secrets)}, nil
}

// Install runs each command in the program's directory, in order, streaming its output to the
// engine (`pulumi install`, `pulumi new`), and stops at the first that fails.
func (h *Host) Install(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
	commands ...[]string,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	for _, args := range commands {
		line := strings.Join(args, " ")
		fmt.Fprintf(stdout, "$ %s\n", line)
		cmd := h.Command(server.Context(), args[0], args[1:]...)
		cmd.Dir = req.GetInfo().GetProgramDirectory()
		cmd.Stdout, cmd.Stderr = stdout, stderr
		if err := h.Execute(cmd); err != nil {
			return fmt.Errorf("`%s` failed in %s: %w", line, cmd.Dir, err)
		}
	}
	return closer.Close()
}

// Plugin is a provider plugin a program's package names (GetRequiredPackages), at `version`
// with or without its leading "v".
func Plugin(name, version, server string) *pulumirpc.PackageDependency {
	return &pulumirpc.PackageDependency{
		Name: name, Kind: "resource", Version: "v" + strings.TrimPrefix(version, "v"), Server: server,
	}
}

// GetPluginInfo reports the engine version the host was built with.
func (h *Host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}
