"""Our search after OR-Tools', on visit indices: one module per step.

A search process converts the problem once (`instance.Instance`) and builds one `Context`
(the instance, its exact timing and its costs) that every step receives: `ejection` serves
what a fixed fleet left out, `ruin` (with `recreate`) improves the routes round by round,
`refill` then trades served visits for left-out ones by descent, `pool` recombines the
routes every process priced into the cheapest plan, and `exchange` trades left-out visits
into the chosen plan. `chain` runs a process's share of the search: OR-Tools
(`scheduler.model`), then those steps.
"""
