%% actor_bench - the runtime workloads of BENCHMARKS.md, section 1, written
%% for Erlang/OTP the way an Erlang programmer would, so that `make
%% bench-compare` can run them beside build/bin/actor-bench and compare.
%%
%%   erlc -o DIR actor_bench.erl
%%   erl +S 2 -noshell -pa DIR -run actor_bench main WORKLOAD ARGS...
%%
%% Each run prints one JSON line with the same fields as actor-bench and
%% "runtime":"erlang". The clock is erlang:monotonic_time/1; memory is VmRSS
%% of the emulator, as actor-bench reads its own.
-module(actor_bench).
-export([main/1]).

main([Workload | Args]) ->
    Ints = [list_to_integer(A) || A <- Args],
    try
        run(Workload, Ints)
    catch
        Class:Reason:Stack ->
            io:format(standard_error, "actor_bench: ~p:~p ~p~n",
                      [Class, Reason, Stack]),
            erlang:halt(1)
    end,
    erlang:halt(0);
main(_) ->
    io:format(standard_error, "usage: actor_bench WORKLOAD ARGS...~n", []),
    erlang:halt(2).

now_s() -> erlang:monotonic_time(nanosecond) / 1.0e9.

rss_bytes() ->
    {ok, Bin} = file:read_file("/proc/self/status"),
    [Line] = [L || L <- binary:split(Bin, <<"\n">>, [global]),
                   binary:match(L, <<"VmRSS:">>) =:= {0, 6}],
    [_, Kb | _] = binary:split(Line, [<<" ">>, <<"\t">>], [global, trim_all]),
    binary_to_integer(Kb) * 1024.

emit(Fields) ->
    Parts = [io_lib:format("\"~s\":~s", [K, val(V)]) || {K, V} <- Fields],
    io:format("{~s}~n", [lists:join(",", Parts)]).

val(V) when is_integer(V) -> integer_to_list(V);
val(V) when is_float(V) -> io_lib:format("~.6f", [V]);
val(V) when is_list(V) -> [$", V, $"].

threads() -> erlang:system_info(schedulers_online).

%% ------------------------------------------------------------- pingpong

run("pingpong", [N]) ->
    Main = self(),
    Trips = N div 2,
    Pong = spawn(fun pong/0),
    Ping = spawn(fun() -> receive go -> ping(Pong, Trips), Main ! done end end),
    T0 = now_s(),
    Ping ! go,
    receive done -> ok end,
    Dt = now_s() - T0,
    Pong ! stop,
    emit([{"runtime", "erlang"}, {"workload", "pingpong"}, {"elapsed_s", Dt},
          {"n", N}, {"round_trips", Trips},
          {"msgs_per_s", round(2 * Trips / Dt)},
          {"rtt_ns", Dt * 1.0e9 / Trips}, {"threads", threads()}]);

%% ------------------------------------------------------------- counting

run("counting", [N]) ->
    Counter = spawn(fun() -> counter(0) end),
    T0 = now_s(),
    produce(Counter, N),
    Counter ! {get, self()},
    Total = receive {total, T} -> T end,
    Dt = now_s() - T0,
    Total = N,
    emit([{"runtime", "erlang"}, {"workload", "counting"}, {"elapsed_s", Dt},
          {"n", N}, {"total", Total}, {"msgs_per_s", round(N / Dt)},
          {"threads", threads()}]);

%% ----------------------------------------------------------- threadring
%% The first node waits to learn its successor; the others are spawned in a
%% chain towards it. All of it happens before the clock starts.

run("threadring", [R, T]) ->
    Main = self(),
    First = spawn(fun() -> receive {next, Next} -> ring(Next, Main) end end),
    Last = lists:foldl(fun(_, Next) -> spawn(fun() -> ring(Next, Main) end) end,
                       First, lists:seq(2, R)),
    First ! {next, Last},
    T0 = now_s(),
    First ! {token, T},
    receive done -> ok end,
    Dt = now_s() - T0,
    emit([{"runtime", "erlang"}, {"workload", "threadring"},
          {"elapsed_s", Dt}, {"r", R}, {"t", T},
          {"hops_per_s", round(T / Dt)}, {"threads", threads()}]);

%% ---------------------------------------------------------------- spawn
%% Each child tells the parent it runs, then waits for one message and
%% returns. The parent monitors each child as it messages it, so that the
%% 'DOWN' says the child has exited.

run("spawn", [A]) ->
    Main = self(),
    %% A million 'up' and 'DOWN' messages arrive here: keep them off the
    %% heap, or every garbage collection of this process copies them.
    process_flag(message_queue_data, off_heap),
    Rss0 = rss_bytes(),
    T0 = now_s(),
    Pids = spawn_children(A, Main, []),
    wait_up(A),
    T1 = now_s(),
    Rss1 = rss_bytes(),
    T2 = now_s(),
    lists:foreach(fun(P) -> erlang:monitor(process, P), P ! hit end, Pids),
    wait_down(A),
    T3 = now_s(),
    Total = (T1 - T0) + (T3 - T2),
    emit([{"runtime", "erlang"}, {"workload", "spawn"}, {"elapsed_s", Total},
          {"a", A}, {"spawn_phase_s", T1 - T0}, {"msg_exit_phase_s", T3 - T2},
          {"spawns_per_s", round(A / Total)},
          {"rss_per_actor_b", round((Rss1 - Rss0) / A)},
          {"threads", threads()}]);

%% --------------------------------------------------------------- fanout
%% The destinations come from the same xorshift64 sequence as actor-bench's.
%% Each worker learns the pids of its destinations and acknowledges before
%% the clock starts; on go it sends its M messages, then receives its own.

run("fanout", [P, M]) ->
    Main = self(),
    Dests = draw(P * M, 16#9e3779b97f4a7c15, []),
    Expected = count_dests(Dests, P),
    Workers = list_to_tuple([spawn(fun() -> worker(Main) end)
                             || _ <- lists:seq(1, P)]),
    setup(Dests, 1, M, Workers, Expected),
    wait_n(ready, P),
    T0 = now_s(),
    [W ! go || W <- tuple_to_list(Workers)],
    wait_n(done, P),
    Dt = now_s() - T0,
    emit([{"runtime", "erlang"}, {"workload", "fanout"}, {"elapsed_s", Dt},
          {"p", P}, {"m", M}, {"msgs", P * M},
          {"msgs_per_s", round(P * M / Dt)}, {"threads", threads()}]).

%% ------------------------------------------------------------ processes

ping(_Pong, 0) -> ok;
ping(Pong, K) ->
    Pong ! {ping, self()},
    receive pong -> ping(Pong, K - 1) end.

pong() ->
    receive
        {ping, From} -> From ! pong, pong();
        stop -> ok
    end.

produce(_Counter, 0) -> ok;
produce(Counter, K) -> Counter ! {inc, 1}, produce(Counter, K - 1).

counter(Acc) ->
    receive
        {inc, K} -> counter(Acc + K);
        {get, From} -> From ! {total, Acc}
    end.

ring(Next, Main) ->
    receive
        {token, 0} -> Main ! done, ring(Next, Main);
        {token, K} -> Next ! {token, K - 1}, ring(Next, Main)
    end.

spawn_children(0, _Main, Acc) -> Acc;
spawn_children(K, Main, Acc) ->
    P = spawn(fun() -> Main ! up, receive hit -> ok end end),
    spawn_children(K - 1, Main, [P | Acc]).

wait_up(0) -> ok;
wait_up(K) -> receive up -> wait_up(K - 1) end.

wait_down(0) -> ok;
wait_down(K) -> receive {'DOWN', _, process, _, _} -> wait_down(K - 1) end.

wait_n(_Msg, 0) -> ok;
wait_n(Msg, K) -> receive Msg -> wait_n(Msg, K - 1) end.

-define(MASK, 16#FFFFFFFFFFFFFFFF).

draw(0, _X, Acc) -> lists:reverse(Acc);
draw(K, X0, Acc) ->
    X1 = X0 bxor ((X0 bsl 13) band ?MASK),
    X2 = X1 bxor (X1 bsr 7),
    X3 = X2 bxor ((X2 bsl 17) band ?MASK),
    draw(K - 1, X3, [X3 | Acc]).

count_dests(Dests, P) ->
    C = counters:new(P, []),
    lists:foreach(fun(X) -> counters:add(C, X rem P + 1, 1) end, Dests),
    list_to_tuple([counters:get(C, I) || I <- lists:seq(1, P)]).

setup([], _I, _M, _Workers, _Expected) -> ok;
setup(Dests, I, M, Workers, Expected) ->
    {Mine, Rest} = lists:split(M, Dests),
    To = [element(X rem tuple_size(Workers) + 1, Workers) || X <- Mine],
    element(I, Workers) ! {setup, To, element(I, Expected)},
    setup(Rest, I + 1, M, Workers, Expected).

worker(Main) ->
    receive
        {setup, To, Expected} ->
            Main ! ready,
            receive go -> ok end,
            Self = self(),
            lists:foreach(fun(D) -> D ! {msg, Self} end, To),
            receive_n(Expected),
            Main ! done
    end.

receive_n(0) -> ok;
receive_n(K) -> receive {msg, _} -> receive_n(K - 1) end.
