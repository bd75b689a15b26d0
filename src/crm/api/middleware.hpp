// MiddlewareChain: the steps every API request passes through before its route's handler, the same
// for every route: authenticate -> rate limit -> access check -> handler. A step either answers
// the exchange, which ends the chain, or hands it on to the next step, at once or later from
// another thread (a step may wait for the database). Routes say what the steps need to know (who
// may call them, their rate-limit category) as data in the route table; no handler repeats a step.
//
// The rate-limit step (api/rate_limit_step.hpp) is left out when rate limits are off.
//
// Thread-safety: the chain and its steps are immutable after construction; Run may be called
// concurrently for different exchanges.
#ifndef CRM_API_MIDDLEWARE_HPP_
#define CRM_API_MIDDLEWARE_HPP_

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "crm/api/exchange.hpp"
#include "crm/auth/authenticator.hpp"

namespace crm::api {

class MiddlewareChain;

// Hands an exchange to the step after the current one (or to the route's handler after the last).
class Next {
 public:
  Next(const MiddlewareChain& chain, std::size_t index) : chain_(&chain), index_(index) {}
  void operator()(const ExchangePtr& exchange) const;

 private:
  const MiddlewareChain* chain_;
  std::size_t index_;
};

class Middleware {
 public:
  virtual ~Middleware() = default;
  virtual void Process(const ExchangePtr& exchange, Next next) const = 0;
};

class MiddlewareChain {
 public:
  // Calls the matched route's handler for an exchange that passed every step.
  using Dispatch = std::function<void(const ExchangePtr& exchange)>;

  MiddlewareChain(std::vector<std::unique_ptr<Middleware>> steps, Dispatch dispatch)
      : steps_(std::move(steps)), dispatch_(std::move(dispatch)) {}

  // Runs every step, then dispatches; an exchange no route matched gets its routing error once it
  // has passed authentication (an unknown path tells a stranger nothing).
  void Run(const ExchangePtr& exchange) const { RunFrom(0, exchange); }

 private:
  friend class Next;
  void RunFrom(std::size_t index, const ExchangePtr& exchange) const;

  const std::vector<std::unique_ptr<Middleware>> steps_;
  const Dispatch dispatch_;
};

class AuthFailureGuard;

// Finds the caller from the request's credentials (every scheme of docs/api.md) and records it on
// the exchange; 401 (with a Basic challenge for browsers) when they are missing or wrong, 503 with
// Retry-After when too many password checks wait. Public routes pass without credentials. A
// password is checked on the authenticator's verifier thread, which then runs the rest of the
// chain. With a `guard`, credentials from an address that failed too often lately are refused
// (429) unchecked, and each failure is counted.
class AuthenticateStep final : public Middleware {
 public:
  AuthenticateStep(auth::Authenticator& authenticator, std::string api_base,
                   const AuthFailureGuard* guard = nullptr)
      : authenticator_(authenticator), api_base_(std::move(api_base)), guard_(guard) {}
  void Process(const ExchangePtr& exchange, Next next) const override;

 private:
  auth::Authenticator& authenticator_;
  const std::string api_base_;
  const AuthFailureGuard* const guard_;
};

// Refuses a route to callers its Access does not admit (403). Entity-level rights are the record
// service's, which applies them in its queries.
class AccessCheckStep final : public Middleware {
 public:
  void Process(const ExchangePtr& exchange, Next next) const override;
};

}  // namespace crm::api

#endif  // CRM_API_MIDDLEWARE_HPP_
