#!/usr/bin/env escript
%% -*- erlang -*-
%%! +P 4000000 -smp enable
%% SPDX-License-Identifier: Apache-2.0
%% Erlang/OTP side of actio's benchmark cases (erlang-base only).
%% Usage: bench.escript <case> <N>
%% Prints one JSON line; "ok" comes from the program checking its own result.
-mode(compile).

main([Case, NArg | _]) ->
    N = list_to_integer(NArg),
    {Ok, Wall, Ops, Detail} = run(Case, N),
    OpsPerS = case Wall > 0 of true -> Ops / Wall; false -> 0.0 end,
    io:format("{\"case\": \"~s\", \"impl\": \"erlang\", \"n\": ~b, \"ok\": ~s, "
              "\"wall_s\": ~.6f, \"ops_per_s\": ~.1f, \"detail\": {~s}}~n",
              [Case, N, Ok, Wall, OpsPerS, detail(Detail)]);
main(_) ->
    io:format(standard_error, "usage: bench.escript <case> <N>~n", []),
    halt(2).

detail(Pairs) ->
    lists:join(", ", [io_lib:format("\"~s\": ~p", [K, V]) || {K, V} <- Pairs]).

now_s() -> erlang:monotonic_time(nanosecond) / 1.0e9.

timed(Fun) ->
    T0 = now_s(),
    R = Fun(),
    {R, now_s() - T0}.

%% The suite's shared PRNG (splitmix64), identical in every peer.
-define(MASK, 16#FFFFFFFFFFFFFFFF).
splitmix(State0) ->
    State = (State0 + 16#9E3779B97F4A7C15) band ?MASK,
    Z1 = ((State bxor (State bsr 30)) * 16#BF58476D1CE4E5B9) band ?MASK,
    Z2 = ((Z1 bxor (Z1 bsr 27)) * 16#94D049BB133111EB) band ?MASK,
    {Z2 bxor (Z2 bsr 31), State}.

delays_us(0, _State, Acc) -> lists:reverse(Acc);
delays_us(K, State0, Acc) ->
    {X, State} = splitmix(State0),
    delays_us(K - 1, State, [X rem 1000001 | Acc]).

percentile(Sorted, Len, P) when Len > 0 ->
    element(1 + trunc(P * (Len - 1)), Sorted);
percentile(_, _, _) -> 0.0.

collect(0, Sum) -> Sum;
collect(K, Sum) -> receive {done, X} -> collect(K - 1, Sum + X) end.

run("sleep_tasks", N) ->
    Self = self(),
    {Sum, Wall} = timed(fun() ->
        [spawn(fun() -> timer:sleep(1000), Self ! {done, 1} end) || _ <- lists:seq(1, N)],
        collect(N, 0)
    end),
    {Sum =:= N, Wall, N, []};

run("gather_trivial", N) ->
    Self = self(),
    {Results, Wall} = timed(fun() ->
        Pids = [spawn(fun() -> Self ! {self(), I} end) || I <- lists:seq(0, N - 1)],
        [receive {Pid, I} -> I end || Pid <- Pids]
    end),
    Ok = Results =:= lists:seq(0, N - 1) andalso lists:sum(Results) =:= N * (N - 1) div 2,
    {Ok, Wall, N, []};

run("call_later", N) ->
    Delays = delays_us(N, 42, []),
    %% erlang:send_after has millisecond resolution: deadlines closer than
    %% 1 ms may arrive in either order. Monotonic time may be negative, hence
    %% ceil_ms/1 and no -1 sentinel for the last deadline seen.
    T0 = erlang:monotonic_time(microsecond),
    [erlang:send_after(ceil_ms(T0 + D), self(), {fire, T0 + D}, [{abs, true}])
     || D <- Delays],
    Registered = erlang:monotonic_time(microsecond),
    {Late, Violations} = fire_loop(N, Registered, T0 - 1000000000, [], 0),
    Wall = (erlang:monotonic_time(microsecond) - T0) / 1.0e6,
    Sorted = list_to_tuple(lists:sort(Late)),
    Len = tuple_size(Sorted),
    {Violations =:= 0 andalso Len =:= N, Wall, N,
     [{"p50_late_ms", percentile(Sorted, Len, 0.5)},
      {"p99_late_ms", percentile(Sorted, Len, 0.99)},
      {"max_late_ms", percentile(Sorted, Len, 1.0)},
      {"resolution_ms", 1},
      {"registration_s", (Registered - T0) / 1.0e6},
      {"order_violations", Violations}]};

run("ping_pong", N) ->
    Ponger = spawn(fun Loop() ->
        receive {ping, From, X} -> From ! {pong, X + 1}, Loop(); stop -> ok end
    end),
    {Ok, Wall} = timed(fun() -> ping(Ponger, 0, N, true) end),
    Ponger ! stop,
    {Ok, Wall, N, []};

run("executor", N) ->
    Workers = 16,
    Self = self(),
    {Results, Wall} = timed(fun() ->
        Pool = [spawn(fun() -> worker(Self) end) || _ <- lists:seq(1, Workers)],
        executor_loop(0, N, Pool, #{})
    end),
    Ideal = N * 0.005 / Workers,
    {Results =:= lists:seq(0, N - 1), Wall, N,
     [{"ideal_s", Ideal}, {"ratio_to_ideal", Wall / Ideal}]};

run("queue", N) ->
    %% Bounded by credit: the consumer grants the producer 1024 slots and
    %% returns them in halves, so at most 1024 items are ever queued.
    Self = self(),
    {Ok, Wall} = timed(fun() ->
        Consumer = spawn(fun() -> receive {producer, P} -> consume(P, 0, N, true, Self) end end),
        Consumer ! {producer, spawn(fun() -> produce(Consumer, 0, N, 1024) end)},
        receive {consumed, R} -> R end
    end),
    {Ok, Wall, N, []};

run("counter", N) ->
    %% The counter is a process: its mailbox is the lock.
    Self = self(),
    {Value, Wall} = timed(fun() ->
        Counter = spawn(fun() -> counter_loop(0) end),
        [spawn(fun() -> count(Counter, Delta, N), sync(Counter), Self ! {done, 0} end)
         || Delta <- [1, -1]],
        collect(2, 0),
        Counter ! {get, Self},
        receive {value, V} -> V end
    end),
    {Value =:= 0, Wall, 2 * N, []};

run(Case, _) ->
    io:format(standard_error, "bench.escript: unknown case ~s~n", [Case]),
    halt(2).

ceil_ms(Us) when Us >= 0 -> (Us + 999) div 1000;
ceil_ms(Us) -> -((-Us) div 1000).

fire_loop(0, _Registered, _LastDue, Late, Violations) -> {Late, Violations};
fire_loop(K, Registered, LastDue, Late, Violations) ->
    receive
        {fire, Due} ->
            L = (erlang:monotonic_time(microsecond) - Due) / 1000.0,
            if Due >= Registered, Due < LastDue - 1000 ->
                   fire_loop(K - 1, Registered, LastDue, [L | Late], Violations + 1);
               Due >= Registered ->
                   fire_loop(K - 1, Registered, Due, [L | Late], Violations);
               true ->
                   fire_loop(K - 1, Registered, LastDue, [L | Late], Violations)
            end
    end.

ping(_Ponger, N, N, Ok) -> Ok;
ping(Ponger, I, N, Ok) ->
    Ponger ! {ping, self(), I},
    receive {pong, X} -> ping(Ponger, I + 1, N, Ok andalso X =:= I + 1) end.

worker(Boss) ->
    Boss ! {ready, self()},
    receive
        {job, I} -> timer:sleep(5), Boss ! {result, I}, worker(Boss);
        stop -> ok
    end.

executor_loop(Next, N, Pool, Done) when map_size(Done) =:= N ->
    [P ! stop || P <- Pool],
    flush_ready(),
    [maps:get(I, Done) || I <- lists:seq(0, Next - 1)];
executor_loop(Next, N, Pool, Done) ->
    receive
        {ready, W} when Next < N -> W ! {job, Next}, executor_loop(Next + 1, N, Pool, Done);
        {ready, _} -> executor_loop(Next, N, Pool, Done);
        {result, I} -> executor_loop(Next, N, Pool, Done#{I => I})
    end.

flush_ready() -> receive {ready, _} -> flush_ready() after 0 -> ok end.

produce(_Consumer, N, N, _Credit) -> ok;
produce(Consumer, I, N, 0) ->
    receive {credit, C} -> produce(Consumer, I, N, C) end;
produce(Consumer, I, N, Credit) ->
    Consumer ! {item, I},
    receive {credit, C} -> produce(Consumer, I + 1, N, Credit - 1 + C)
    after 0 -> produce(Consumer, I + 1, N, Credit - 1)
    end.

consume(_Producer, N, N, Ok, Parent) -> Parent ! {consumed, Ok};
consume(Producer, I, N, Ok, Parent) ->
    receive
        {item, X} ->
            case (I + 1) rem 512 of
                0 -> Producer ! {credit, 512};
                _ -> ok
            end,
            consume(Producer, I + 1, N, Ok andalso X =:= I, Parent)
    end.

counter_loop(V) ->
    receive
        {add, D} -> counter_loop(V + D);
        {sync, From} -> From ! synced, counter_loop(V);
        {get, From} -> From ! {value, V}
    end.

sync(Counter) -> Counter ! {sync, self()}, receive synced -> ok end.

count(_Counter, _Delta, 0) -> ok;
count(Counter, Delta, K) -> Counter ! {add, Delta}, count(Counter, Delta, K - 1).
