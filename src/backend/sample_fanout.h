// Spreads each request's n samples over as many HTTP calls as the server
// needs, and merges the replies back into one Response per request. A call
// asks for samples [first, first+count) with seed = params.seed + first, so
// every sample has its own seed whether the server returns n choices at once,
// caps n, or ignores it. Used by both HTTP backends; it never builds a body.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "backend/http_client.h"

namespace polysafe::backend {

struct SampleCall {
  std::string url;
  std::string body;
  ReplyParser parse;
};

// Builds the call for samples [first, first + count) of `request`.
using MakeSampleCall = std::function<SampleCall(const Request& request, int first, int count)>;

// Runs `requests` through `client`. max_per_call: samples one call may ask
// for (0: all n in one call). A reply with fewer texts than asked (at least
// one: the parser guarantees it) makes the rest be asked for again, in calls
// of the size the server just honoured; extra texts are dropped. on_done fires
// once per request, when all its samples are in, or at its first failed call
// (the request's error is that call's). attempts, attempt_errors and token
// counts add up over the request's calls; latency runs from its first send.
void run_sampled(HttpClient& client, const std::vector<Request>& requests, int max_per_call,
                 const MakeSampleCall& make_call, const ResponseCallback& on_done,
                 const std::function<bool()>& should_stop);

}  // namespace polysafe::backend
