// SPDX-License-Identifier: Apache-2.0
// Remote actors: a CAF actor published on one node and awaited from a task
// on another with co_await actio::request, exactly like a local actor; and
// what a task sees when the remote side goes away (an error, not a hang).
//
//   13_remote_actors --demo                 both nodes in this process
//   13_remote_actors --serve PORT           publish on 127.0.0.1:PORT
//   13_remote_actors --connect HOST:PORT    ask the actor served there
//
// Without --actio-remote=... the example runs in insecure loopback mode
// (plain TCP, 127.0.0.1 only). Over TLS, start both sides with
//   --actio-remote=tls --actio-tls-certificate=node.pem
//   --actio-tls-key=node.key --actio-tls-ca=ca.pem
// (see docs/remote.md for making a CA and node certificates).
#include <actio/actio.hpp>
#include <actio/caf/interop.hpp>
#include <actio/remote/remote_actor.hpp>

#include <caf/event_based_actor.hpp>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

using namespace std::chrono_literals;

namespace {

/// The published actor: adds numbers and shouts strings.
caf::behavior calculator(caf::event_based_actor*) {
  return {
      [](int x, int y) { return x + y; },
      [](std::string text) {
        for (auto& c : text)
          c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return text;
      },
  };
}

/// Connects to the calculator at `host:port` and asks it two things.
actio::task<> ask(std::string host, std::uint16_t port) {
  caf::actor calc = co_await actio::remote_actor(host, port, 5s);
  int sum = co_await actio::request<int>(calc, 5s, 20, 22);
  std::cout << "20 + 22 = " << sum << "\n";
  auto loud =
      co_await actio::request<std::string>(calc, 5s, std::string{"hello"});
  std::cout << "shout(hello) = " << loud << "\n";
}

/// Asks the calculator after its node has ended it: the task gets an error.
actio::task<> ask_gone(caf::actor calc) {
  try {
    co_await actio::request<int>(calc, 5s, 1, 2);
    std::cout << "unexpected answer\n";
  } catch (const actio::runtime_error& e) {
    std::cout << "after the server quit: " << e.what() << "\n";
  }
}

actio::runtime_options options(int& argc, char** argv) {
  actio::runtime_options o;
  o.remote.mode = actio::remote_mode::insecure_loopback;
  o.read_environment();
  o.read_command_line(argc, argv);
  return o;
}

int demo(actio::runtime_options o) {
  o.handle_signals = false;
  actio::runtime server{o};
  actio::runtime client{o};
  auto calc = server.system().spawn(calculator);
  auto port = actio::publish(server, calc, "127.0.0.1", 0);
  std::cout << "server: calculator published\n";
  client.run_until_complete(client.create_task(ask, "127.0.0.1", port));
  auto handle = client.run_until_complete(
      client.create_task([port]() -> actio::task<caf::actor> {
        co_return co_await actio::remote_actor("127.0.0.1", port, 5s);
      }));
  actio::unpublish(server, calc, port);
  caf::anon_send_exit(calc, caf::exit_reason::user_shutdown);
  std::cout << "server: calculator ended\n";
  client.run_until_complete(client.create_task(ask_gone, handle));
  return 0;
}

int serve(actio::runtime_options o, std::uint16_t port) {
  actio::runtime rt{o};
  auto calc = rt.system().spawn(calculator);
  auto bound = actio::publish(rt, calc, "127.0.0.1", port);
  std::cout << "serving on 127.0.0.1:" << bound << std::endl;
  try {
    rt.run_forever();
  } catch (const actio::keyboard_interrupt&) {
    std::cout << "stopping" << std::endl;
  }
  actio::unpublish(rt, calc, bound);
  caf::anon_send_exit(calc, caf::exit_reason::user_shutdown);
  return 0;
}

int connect(actio::runtime_options o, const std::string& where) {
  auto ep = actio::parse_endpoint(where);
  actio::runtime rt{o};
  rt.run_until_complete(rt.create_task(ask, ep.host, ep.port));
  return 0;
}

int usage() {
  std::cerr << "usage: 13_remote_actors --demo | --serve PORT | --connect "
               "HOST:PORT [--actio-remote=tls --actio-tls-...]\n";
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  try {
    auto o = options(argc, argv);
    if (argc == 2 && std::strcmp(argv[1], "--demo") == 0)
      return demo(o);
    if (argc == 3 && std::strcmp(argv[1], "--serve") == 0) {
      auto port = std::strtoul(argv[2], nullptr, 10);
      if (port > 65535)
        return usage();
      return serve(o, static_cast<std::uint16_t>(port));
    }
    if (argc == 3 && std::strcmp(argv[1], "--connect") == 0)
      return connect(o, argv[2]);
    return usage();
  } catch (const std::exception& e) {
    std::cerr << "13_remote_actors: " << e.what() << "\n";
    return 1;
  }
}
