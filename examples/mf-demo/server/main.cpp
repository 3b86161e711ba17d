// mfdemo-api: the demo's API server as a program. Prints one line when it listens
//   mfdemo-api: listening on http://127.0.0.1:PORT (database FILE)
// which the demo's scripts and the browser tests wait for, and stops on SIGINT or SIGTERM.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <thread>

#include "api_server.hpp"

int main(int argc, char** argv) {
  CLI::App cli{"The mfstate demo's API server: the signed-in user in a SQLite file."};
  std::string db_path, host = "127.0.0.1";
  int port = 0;
  mfdemo::ApiOptions options;
  int hold_timeout_ms = 30000;
  cli.add_option("--db", db_path, "SQLite database file (created with the seed user when missing)")
      ->required();
  cli.add_option("--host", host, "address to listen on")->capture_default_str();
  cli.add_option("--port", port, "port to listen on (0: a free port)")->capture_default_str();
  cli.add_option("--delay-ms", options.faults.delay_ms, "delay before every /api answer")
      ->check(CLI::Range(0, 10000));
  cli.add_option("--fail-writes", options.faults.fail_writes, "fail the next N writes")
      ->check(CLI::Range(0, 1000));
  cli.add_option("--fail-status", options.faults.fail_status, "status of an injected failure")
      ->check(CLI::Range(400, 599))
      ->capture_default_str();
  cli.add_option("--hold-timeout-ms", hold_timeout_ms, "longest a held write waits for release")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  CLI11_PARSE(cli, argc, argv);
  options.hold_timeout = std::chrono::milliseconds(hold_timeout_ms);

  // SIGINT/SIGTERM are blocked in every thread and taken by one waiting thread, which stops the
  // server: httplib's stop() is not async-signal-safe, so it cannot run in a signal handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  try {
    mfdemo::UserDb db(db_path);
    mfdemo::ApiServer server(db, options);
    int bound = server.bind(host, port);
    std::thread waiter([&] {
      int signal = 0;
      sigwait(&stop_signals, &signal);
      server.stop();
    });
    std::printf("mfdemo-api: listening on http://%s:%d (database %s)\n", host.c_str(), bound,
                db_path.c_str());
    std::fflush(stdout);
    server.listen();
    // listen() returned on its own (not by a signal): wake the waiter so that it can be joined.
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
  } catch (const std::exception& e) {
    std::cerr << "mfdemo-api: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
