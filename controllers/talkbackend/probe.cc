#include "controllers/talkbackend/probe.h"

#include <algorithm>
#include <boost/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "controllers/common/owner.h"
#include "controllers/talkbackend/render.h"

namespace nxt::talkbackend {
namespace {

bool Running(const controllers::SeenMember& m) { return m.state == "running"; }

}  // namespace

absl::StatusOr<std::set<std::string>> RouteAddresses(const std::string& routez_json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(routez_json, ec);
  if (ec || !v.is_object()) return absl::InvalidArgumentError("routez: not a JSON object");
  std::set<std::string> out;
  const boost::json::value* routes = v.get_object().if_contains("routes");
  if (routes == nullptr || routes->is_null()) return out;  // no cluster: no routes
  if (!routes->is_array()) return absl::InvalidArgumentError("routez: routes is not a list");
  for (const boost::json::value& r : routes->get_array()) {
    const boost::json::value* ip = r.is_object() ? r.get_object().if_contains("ip") : nullptr;
    if (ip != nullptr && ip->is_string()) out.insert(std::string(ip->get_string()));
  }
  return out;
}

bool IsWelcome(const controllers::HttpReply& reply) {
  if (reply.code != 200) return false;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(reply.body, ec);
  return !ec && v.is_object() && v.get_object().contains("nextcloud-spreed-signaling");
}

bool StunAnswered(const docker::ExecResult& result) {
  return result.exit_code == 0 && absl::StrContains(result.stdout_text, "reflexive addr");
}

Prober::Prober(docker::DockerClient& docker, controllers::HttpClient& http, Options options)
    : docker_(docker), http_(http), options_(options) {}

void Prober::Probe(const resources::ObjectKey& key, const std::vector<std::string>& nats_wanted,
                   int coturn_port, ObservedBackend& observed) {
  const std::string network = controllers::NetworkName(key.namespace_, key.name);
  std::map<std::string, std::string> ip_of;
  for (const controllers::SeenMember& m : observed.nats) {
    if (Running(m)) ip_of[m.name] = AddressOf(m.name, network);
  }
  for (controllers::SeenMember& m : observed.nats) {
    std::set<std::string> peers;
    int expected = 0;
    for (const std::string& w : nats_wanted) {
      if (w == m.name) continue;
      ++expected;
      auto it = ip_of.find(w);
      if (it != ip_of.end() && !it->second.empty()) peers.insert(it->second);
    }
    const std::string ip = Running(m) ? ip_of[m.name] : "";
    const int routes = ip.empty() ? 0 : RoutesTo(ip, peers);
    observed.nats_routes[m.name] = std::max(routes, 0);
    m.ready = !ip.empty() && routes == expected;
  }
  for (controllers::SeenMember& m : observed.signaling) {
    const std::string ip = Running(m) ? AddressOf(m.name, network) : "";
    m.ready = !ip.empty() && Welcomes(ip);
  }
  for (controllers::SeenMember& m : observed.coturn) {
    m.ready = Running(m) && StunAnswers(m.name, coturn_port);
  }
}

std::string Prober::AddressOf(const std::string& container, const std::string& network) {
  absl::StatusOr<docker::ContainerInfo> info = docker_.InspectContainer(container);
  if (!info.ok()) return "";
  auto it = info->network_ips.find(network);
  return it == info->network_ips.end() ? "" : it->second;
}

// Routes of the node at `ip` to any of `peers`; -1 when its monitoring does not answer.
int Prober::RoutesTo(const std::string& ip, const std::set<std::string>& peers) {
  controllers::HttpCall call;
  call.url = absl::StrCat("http://", ip, ":", kNatsMonitorPort, "/routez");
  call.timeout = options_.http_timeout;
  absl::StatusOr<controllers::HttpReply> reply = http_.Do(call);
  if (!reply.ok() || reply->code != 200) return -1;
  absl::StatusOr<std::set<std::string>> addresses = RouteAddresses(reply->body);
  if (!addresses.ok()) return -1;
  return static_cast<int>(std::count_if(
      peers.begin(), peers.end(), [&](const std::string& p) { return addresses->count(p) > 0; }));
}

bool Prober::Welcomes(const std::string& ip) {
  controllers::HttpCall call;
  call.url = absl::StrCat("http://", ip, ":", kSignalingHttpPort, "/api/v1/welcome");
  call.timeout = options_.http_timeout;
  absl::StatusOr<controllers::HttpReply> reply = http_.Do(call);
  return reply.ok() && IsWelcome(*reply);
}

bool Prober::StunAnswers(const std::string& container, int port) {
  // turnutils_stunclient waits forever for an answer that does not come: bound it.
  absl::StatusOr<docker::ExecResult> result = docker_.Exec(
      container, {"timeout", "2", "turnutils_stunclient", "-p", absl::StrCat(port), "127.0.0.1"},
      options_.exec_timeout);
  return result.ok() && StunAnswered(*result);
}

}  // namespace nxt::talkbackend
