// strata/detail/function_ref.hpp - a non-owning reference to a callable (C++26's std::function_ref).
//
// What the ORM's non-template code takes where a per-model template passes a lambda: one
// indirect call per use, no allocation and no copy of the lambda, so a visitor over every
// object of a model costs the same whatever model it is instantiated for.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace strata::detail {

template <class Signature>
class function_ref;

/// Refers to a callable of signature Result(Arguments...) that outlives the reference.
template <class Result, class... Arguments>
class function_ref<Result(Arguments...)> {
public:
    /// Refers to `callable` (which must outlive every call through this reference). The constraint
    /// keeps copies of a function_ref on the implicit copy constructor.
    // NOLINTBEGIN(bugprone-forwarding-reference-overload, google-explicit-constructor): used like a lambda
    template <class Callable>
    requires(!std::is_same_v<std::remove_cvref_t<Callable>, function_ref> &&
             std::is_invocable_r_v<Result, Callable&, Arguments...>) function_ref(Callable&& callable)
    noexcept
        : target_(const_cast<void*>(static_cast<const void*>(std::addressof(callable)))),
          call_([](void* target, Arguments... arguments) -> Result {
              return (*static_cast<std::remove_reference_t<Callable>*>(target))(std::forward<Arguments>(arguments)...);
          }) {}
    // NOLINTEND(bugprone-forwarding-reference-overload, google-explicit-constructor)

    /// Calls the referred callable.
    Result operator()(Arguments... arguments) const { return call_(target_, std::forward<Arguments>(arguments)...); }

private:
    void* target_;
    Result (*call_)(void*, Arguments...);
};

}  // namespace strata::detail
