# ruff: noqa: E501  (case data: step sources and expected values are kept on one line each)
"""Cases of backend/tests/flow_engine_parity.rs (Deno steps become Python steps of the same behaviour:
the file checks expression evaluation in the flow engine, not the step language)."""

from __future__ import annotations

from tests.devruntime.windmill_parity.model import Case, branchone, forloop, js, py, ret, with_, with_value

F = "flow_engine_parity.rs"

CASES: list[Case] = [
    Case(
        "linear_input_transforms",
        (F, "test_flow_linear_input_transforms"),
        [
            ret("a", '{"sum": x + y, "product": x * y, "items": [1, 2, 3, 4, 5]}', x=10, y=5),
            ret(
                "b",
                '{"total": total, "doubled_items": doubled_items, "filtered": filtered, "from_flow_input": from_flow_input}',
                total=js("results.a.sum + results.a.product"),
                doubled_items=js("results.a.items.map(x => x * 2)"),
                filtered=js("results.a.items.filter(x => x > 2)"),
                from_flow_input=js("flow_input.multiplier * results.a.sum"),
            ),
        ],
        args={"multiplier": 3},
        result={"total": 65, "doubled_items": [2, 4, 6, 8, 10], "filtered": [3, 4, 5], "from_flow_input": 45},
    ),
    Case(
        "forloop_complex_expressions",
        (F, "test_flow_forloop_complex_expressions"),
        [
            ret(
                "a",
                '{"users": [{"id": 1, "name": "Alice", "score": 85}, {"id": 2, "name": "Bob", "score": 92},'
                ' {"id": 3, "name": "Charlie", "score": 78}]}',
            ),
            forloop(
                "b",
                js("results.a.users.filter(u => u.score >= 80)"),
                [
                    ret(
                        "c",
                        '{"name": user_name, "final_score": user_score + bonus, "position": index}',
                        user_name=js("flow_input.iter.value.name"),
                        user_score=js("flow_input.iter.value.score"),
                        bonus=js("flow_input.iter.value.score >= 90 ? 10 : 5"),
                        index=js("flow_input.iter.index"),
                    )
                ],
                skip_failures=False,
                parallel=False,
            ),
        ],
        result=[
            {"name": "Alice", "final_score": 90, "position": 0},
            {"name": "Bob", "final_score": 102, "position": 1},
        ],
    ),
    Case(
        "branchone_conditions",
        (F, "test_flow_branchone_conditions"),
        [
            ret("a", '{"status": "premium", "score": 95, "items": [1, 2, 3]}'),
            branchone(
                "b",
                [
                    (
                        "results.a.status === 'premium' && results.a.score >= 90",
                        [
                            ret(
                                "premium_high",
                                '{"branch": "premium_high", "discount": discount, "score_from_a": score_from_a}',
                                discount=js("results.a.score >= 95 ? 30 : 20"),
                                score_from_a=js("results.a.score"),
                            )
                        ],
                    ),
                    (
                        "results.a.status === 'premium' && results.a.score < 90",
                        [ret("premium_low", '{"branch": "premium_low", "discount": 10}')],
                    ),
                ],
                [ret("default_branch", '{"branch": "default", "discount": 0}')],
            ),
        ],
        result={"branch": "premium_high", "discount": 30, "score_from_a": 95},
    ),
    Case(
        "previous_result_aggregation",
        (F, "test_flow_previous_result_aggregation"),
        [
            ret("a", '{"value": 10, "items": [1, 2, 3]}'),
            ret(
                "b",
                '{"value": prev_value * 2, "sum": prev_items_sum}',
                prev_value=js("previous_result.value"),
                prev_items_sum=js("previous_result.items.reduce((a, b) => a + b, 0)"),
            ),
            ret(
                "c",
                '{"a_value": a_value, "b_value": b_value, "b_sum": b_sum, "combined": combined}',
                a_value=js("results.a.value"),
                b_value=js("results.b.value"),
                b_sum=js("results.b.sum"),
                combined=js("results.a.value + results.b.value + results.b.sum"),
            ),
        ],
        result={"a_value": 10, "b_value": 20, "b_sum": 6, "combined": 36},
    ),
    Case(
        "nested_complexity",
        (F, "test_flow_nested_complexity"),
        [
            ret(
                "data",
                '{"categories": [{"name": "A", "multiplier": 2}, {"name": "B", "multiplier": 3}], "base_values": [10, 20]}',
            ),
            forloop(
                "outer_loop",
                js("results.data.categories"),
                [
                    ret(
                        "compute",
                        '{"category": cat_name, "multiplier": multiplier, "computed_values": values, "total": sum}',
                        cat_name=js("flow_input.iter.value.name"),
                        multiplier=js("flow_input.iter.value.multiplier"),
                        values=js("results.data.base_values.map(v => v * flow_input.iter.value.multiplier)"),
                        sum=js(
                            "results.data.base_values.reduce((a, b) => a + b, 0) * flow_input.iter.value.multiplier"
                        ),
                    )
                ],
            ),
        ],
        result=[
            {"category": "A", "multiplier": 2, "computed_values": [20, 40], "total": 60},
            {"category": "B", "multiplier": 3, "computed_values": [30, 60], "total": 90},
        ],
    ),
    Case(
        "object_transformations",
        (F, "test_flow_object_transformations"),
        [
            ret(
                "source",
                '{"users": [{"id": 1, "name": "Alice", "tags": ["admin", "active"]}, {"id": 2, "name": "Bob", "tags": ["user"]},'
                ' {"id": 3, "name": "Charlie", "tags": ["admin", "inactive"]}], "config": {"activeBonus": 10, "adminBonus": 20}}',
            ),
            py(
                "transform",
                """
                def main(admins, active_count, admin_bonus, active_bonus, all_users):
                    summary = [
                        {
                            "name": u["name"],
                            "isAdmin": "admin" in u["tags"],
                            "isActive": "active" in u["tags"],
                            "bonus": (admin_bonus if "admin" in u["tags"] else 0)
                            + (active_bonus if "active" in u["tags"] else 0),
                        }
                        for u in all_users
                    ]
                    return {"admins": admins, "active_count": active_count, "user_summary": summary,
                            "total_bonus": sum(u["bonus"] for u in summary)}
                """,
                admins=js("results.source.users.filter(u => u.tags.includes('admin')).map(u => u.name)"),
                active_count=js("results.source.users.filter(u => u.tags.includes('active')).length"),
                admin_bonus=js("results.source.config.adminBonus"),
                active_bonus=js("results.source.config.activeBonus"),
                all_users=js("results.source.users"),
            ),
        ],
        result={
            "admins": ["Alice", "Charlie"],
            "active_count": 1,
            "user_summary": [
                {"name": "Alice", "isAdmin": True, "isActive": True, "bonus": 30},
                {"name": "Bob", "isAdmin": False, "isActive": False, "bonus": 0},
                {"name": "Charlie", "isAdmin": True, "isActive": False, "bonus": 20},
            ],
            "total_bonus": 50,
        },
    ),
    Case(
        "skip_if_expressions",
        (F, "test_flow_skip_if_expressions"),
        [
            ret("check", '{"should_skip": True, "value": 100}'),
            with_(
                ret(
                    "maybe_skipped",
                    '{"processed": input_val, "was_run": True}',
                    input_val=js("results.check.value * 2"),
                ),
                skip_if={"expr": "results.check.should_skip === true"},
            ),
            ret(
                "final",
                '{"check_val": check_val, "previous": prev}',
                check_val=js("results.check.value"),
                prev=js("previous_result"),
            ),
        ],
        check=lambda r: _eq(r["check_val"], 100),
    ),
    Case(
        "template_literals",
        (F, "test_flow_template_literals"),
        [
            ret(
                "data",
                '{"firstName": "John", "lastName": "Doe", "items": ["apple", "banana", "cherry"], "count": 42}',
            ),
            ret(
                "format",
                '{"full_name": full_name, "greeting": greeting, "items_str": items_str, "upper_name": upper_name,'
                ' "items_formatted": items_formatted}',
                full_name=js("`${results.data.firstName} ${results.data.lastName}`"),
                greeting=js("`Hello, ${results.data.firstName}! You have ${results.data.count} items.`"),
                items_str=js("results.data.items.join(', ')"),
                upper_name=js("results.data.firstName.toUpperCase()"),
                items_formatted=js(
                    "`Items: ${results.data.items.map(i => i.charAt(0).toUpperCase() + i.slice(1)).join(', ')}`"
                ),
            ),
        ],
        result={
            "full_name": "John Doe",
            "greeting": "Hello, John! You have 42 items.",
            "items_str": "apple, banana, cherry",
            "upper_name": "JOHN",
            "items_formatted": "Items: Apple, Banana, Cherry",
        },
    ),
    Case(
        "optional_chaining",
        (F, "test_flow_optional_chaining"),
        [
            ret(
                "data",
                '{"user": {"name": "Alice", "address": {"city": "NYC"}}, "empty_user": None, "partial_user": {"name": "Bob"}}',
            ),
            ret(
                "access",
                '{"city": city, "missing_city": missing_city, "null_user_name": null_user_name,'
                ' "default_city": default_city, "default_country": default_country}',
                city=js("results.data.user?.address?.city"),
                missing_city=js("results.data.partial_user?.address?.city"),
                null_user_name=js("results.data.empty_user?.name"),
                default_city=js("results.data.partial_user?.address?.city ?? 'Unknown'"),
                default_country=js("results.data.user?.address?.country ?? 'USA'"),
            ),
        ],
        check=lambda r: _subset(
            r,
            {
                "city": "NYC",
                "missing_city": None,
                "null_user_name": None,
                "default_city": "Unknown",
                "default_country": "USA",
            },
        ),
    ),
    Case(
        "parallel_forloop",
        (F, "test_flow_parallel_forloop"),
        [
            ret("data", '{"items": [1, 2, 3, 4, 5]}'),
            forloop(
                "parallel_loop",
                js("results.data.items.map(x => ({ value: x, squared: x * x }))"),
                [
                    ret(
                        "process",
                        '{"original": original, "squared": squared, "cubed": cubed}',
                        original=js("flow_input.iter.value.value"),
                        squared=js("flow_input.iter.value.squared"),
                        cubed=js("flow_input.iter.value.value ** 3"),
                    )
                ],
                parallel=True,
            ),
        ],
        check=lambda r: _eq(
            sorted((x["original"], x["squared"], x["cubed"]) for x in r),
            [(n, n * n, n**3) for n in range(1, 6)],
        ),
    ),
    Case(
        "env_access",
        (F, "test_flow_env_access"),
        [
            ret(
                "use_env",
                '{"env_name": env_name, "is_debug": is_debug, "timeout_val": timeout_val, "api_url": api_url,'
                ' "retry_count": retry_count, "has_auth": has_auth}',
                env_name=js("flow_env.ENV"),
                is_debug=js("flow_env.DEBUG"),
                timeout_val=js("flow_env.TIMEOUT"),
                api_url=js("flow_env.CONFIG.apiUrl"),
                retry_count=js("flow_env.CONFIG.retries"),
                has_auth=js("flow_env.CONFIG.features.includes('auth')"),
            )
        ],
        flow_extra={
            "flow_env": {
                "ENV": "production",
                "DEBUG": False,
                "TIMEOUT": 30,
                "CONFIG": {
                    "apiUrl": "https://api.example.com",
                    "retries": 3,
                    "features": ["auth", "logging"],
                },
            }
        },
        result={
            "env_name": "production",
            "is_debug": False,
            "timeout_val": 30,
            "api_url": "https://api.example.com",
            "retry_count": 3,
            "has_auth": True,
        },
    ),
    Case(
        "input_and_env_combined",
        (F, "test_flow_input_and_env_combined"),
        [
            ret(
                "process",
                '{"effective_limit": effective_limit, "env_prefix": env_prefix, "is_prod": is_prod,'
                ' "doubled_input": doubled_input, "final_value": doubled_input * multiplier}',
                effective_limit=js("Math.min(flow_input.requested_limit, flow_env.MAX_ITEMS)"),
                env_prefix=js("`[${flow_env.ENV}]`"),
                is_prod=js("flow_env.ENV === 'production'"),
                doubled_input=js("flow_input.value * 2"),
                multiplier=js("flow_env.ENV === 'production' ? flow_input.prod_mult : 1"),
            )
        ],
        flow_extra={"flow_env": {"ENV": "production", "MAX_ITEMS": 100}},
        args={"requested_limit": 150, "value": 25, "prod_mult": 3},
        result={
            "effective_limit": 100,
            "env_prefix": "[production]",
            "is_prod": True,
            "doubled_input": 50,
            "final_value": 150,
        },
    ),
    Case(
        "results_optional_chaining",
        (F, "test_flow_results_optional_chaining"),
        [
            ret(
                "a",
                '{"user": {"name": "Alice", "profile": {"email": "alice@example.com", "phone": None}, "settings": None},'
                ' "items": [{"id": 1, "value": 10}, {"id": 2, "value": None}, {"id": 3, "value": 30}],'
                ' "empty_array": [], "null_field": None}',
            ),
            py(
                "b",
                "def main(**kw):\n    return kw",
                user_name=js("results.a.user?.name"),
                user_email=js("results.a.user?.profile?.email"),
                user_phone=js("results.a.user?.profile?.phone ?? 'no_phone'"),
                user_setting=js("results.a.user?.settings?.theme ?? 'default_theme'"),
                first_item_value=js("results.a.items?.[0]?.value"),
                second_item_value=js("results.a.items?.[1]?.value ?? 0"),
                item_by_id=js("results.a.items?.find(i => i.id === 1)?.value"),
                missing_item=js("results.a.items?.find(i => i.id === 999)?.value ?? 'not_found'"),
                empty_first=js("results.a.empty_array?.[0]?.value ?? 'empty'"),
                null_with_default=js("results.a.null_field ?? 'was_null'"),
                missing_prop=js("results.a.nonexistent?.nested?.deep ?? 'missing'"),
            ),
        ],
        result={
            "user_name": "Alice",
            "user_email": "alice@example.com",
            "user_phone": "no_phone",
            "user_setting": "default_theme",
            "first_item_value": 10,
            "second_item_value": 0,
            "item_by_id": 10,
            "missing_item": "not_found",
            "empty_first": "empty",
            "null_with_default": "was_null",
            "missing_prop": "missing",
        },
    ),
    Case(
        "large_integers",
        (F, "test_flow_large_integers"),
        [
            ret(
                "a",
                '{"small_int": 42, "i32_max": 2147483647, "i32_max_plus_1": 2147483648, "timestamp": 1704067200000,'
                ' "large_safe": 9007199254740991}',
            ),
            py(
                "b",
                "def main(**kw):\n    return kw",
                small=js("results.a.small_int"),
                i32_max=js("results.a.i32_max"),
                over_i32=js("results.a.i32_max_plus_1"),
                timestamp=js("results.a.timestamp"),
                ts_plus_day=js("results.a.timestamp + 86400000"),
                large=js("results.a.large_safe"),
                large_minus_1=js("results.a.large_safe - 1"),
                is_large_safe=js("Number.isSafeInteger(results.a.large_safe)"),
            ),
        ],
        result={
            "small": 42,
            "i32_max": 2147483647,
            "over_i32": 2147483648,
            "timestamp": 1704067200000,
            "ts_plus_day": 1704153600000,
            "large": 9007199254740991,
            "large_minus_1": 9007199254740990,
            "is_large_safe": True,
        },
    ),
    Case(
        "unicode_emoji",
        (F, "test_flow_unicode_emoji"),
        [
            ret(
                "a",
                '{"greeting": "Hello World", "simple_str": "hello", "greeting_len": 11, "mixed": "cafe resume naive",'
                ' "names": ["Alice", "Bob", "Carlos"]}',
            ),
            py(
                "b",
                "def main(**kw):\n    return {**kw, 'simple_str_len': len(kw['simple_str'])}",
                greeting=js("results.a.greeting"),
                greeting_len=js("results.a.greeting_len"),
                simple_str=js("results.a.simple_str"),
                has_world=js("results.a.greeting.includes('World')"),
                first_name=js("results.a.names[0]"),
                last_name=js("results.a.names[2]"),
                mixed_upper=js("results.a.mixed.toUpperCase()"),
                template=js("`Welcome: ${results.a.greeting}`"),
            ),
        ],
        result={
            "greeting": "Hello World",
            "greeting_len": 11,
            "simple_str": "hello",
            "simple_str_len": 5,
            "has_world": True,
            "first_name": "Alice",
            "last_name": "Carlos",
            "mixed_upper": "CAFE RESUME NAIVE",
            "template": "Welcome: Hello World",
        },
    ),
    Case(
        "complex_array_operations",
        (F, "test_flow_complex_array_operations"),
        [
            ret(
                "a",
                '{"numbers": [5, 2, 8, 1, 9, 3, 7, 4, 6], "users": ['
                '{"id": 1, "name": "Alice", "score": 85, "active": True}, {"id": 2, "name": "Bob", "score": 92, "active": False},'
                ' {"id": 3, "name": "Charlie", "score": 78, "active": True}, {"id": 4, "name": "Diana", "score": 95, "active": True}]}',
            ),
            py(
                "b",
                "def main(**kw):\n    return kw",
                sorted_asc=js("[...results.a.numbers].sort((a, b) => a - b)"),
                sorted_desc=js("[...results.a.numbers].sort((a, b) => b - a)"),
                active_names=js("results.a.users.filter(u => u.active).map(u => u.name)"),
                high_scorers=js(
                    "results.a.users.filter(u => u.score >= 90).map(u => ({name: u.name, score: u.score}))"
                ),
                total_score=js("results.a.users.reduce((sum, u) => sum + u.score, 0)"),
                avg_score=js("results.a.users.reduce((sum, u) => sum + u.score, 0) / results.a.users.length"),
                top_scorer=js("results.a.users.reduce((max, u) => u.score > max.score ? u : max).name"),
                has_inactive=js("results.a.users.some(u => !u.active)"),
                all_above_70=js("results.a.users.every(u => u.score > 70)"),
                first_three=js("results.a.numbers.slice(0, 3)"),
                last_two=js("results.a.numbers.slice(-2)"),
            ),
        ],
        result={
            "sorted_asc": [1, 2, 3, 4, 5, 6, 7, 8, 9],
            "sorted_desc": [9, 8, 7, 6, 5, 4, 3, 2, 1],
            "active_names": ["Alice", "Charlie", "Diana"],
            "high_scorers": [{"name": "Bob", "score": 92}, {"name": "Diana", "score": 95}],
            "total_score": 350,
            "avg_score": 87.5,
            "top_scorer": "Diana",
            "has_inactive": True,
            "all_above_70": True,
            "first_three": [5, 2, 8],
            "last_two": [4, 6],
        },
    ),
    Case(
        "multiline_expressions",
        (F, "test_flow_multiline_expressions"),
        [
            ret(
                "a",
                '{"items": [{"id": 1, "name": "Item A", "price": 10, "qty": 2}, {"id": 2, "name": "Item B", "price": 20, "qty": 3},'
                ' {"id": 3, "name": "Item C", "price": 30, "qty": 1}], "discount": 0.1, "tax_rate": 0.08}',
            ),
            py(
                "b",
                "def main(**kw):\n    return kw",
                subtotal=js(
                    """
                    let items = results.a.items;
                    let total = items.reduce((sum, item) => sum + (item.price * item.qty), 0);
                    return total;
                    """
                ),
                discounted_total=js(
                    """
                    let items = results.a.items;
                    let subtotal = items.reduce((sum, item) => sum + (item.price * item.qty), 0);
                    let discount = results.a.discount;
                    if (subtotal > 50) {
                        return subtotal * (1 - discount);
                    } else {
                        return subtotal;
                    }
                    """
                ),
                item_summary=js(
                    """
                    const items = results.a.items;
                    const names = items.map(i => i.name);
                    const total_qty = items.reduce((sum, i) => sum + i.qty, 0);
                    return { names, total_qty };
                    """
                ),
                safe_calculation=js(
                    """
                    try {
                        const items = results.a.items;
                        const tax_rate = results.a.tax_rate;
                        const subtotal = items.reduce((sum, item) => sum + (item.price * item.qty), 0);
                        return Math.round(subtotal * (1 + tax_rate) * 100) / 100;
                    } catch (e) {
                        return 0;
                    }
                    """
                ),
            ),
        ],
        result={
            "subtotal": 110,
            "discounted_total": 99.0,
            "item_summary": {"names": ["Item A", "Item B", "Item C"], "total_qty": 6},
            "safe_calculation": 118.8,
        },
    ),
    Case(
        "spread_with_results",
        (F, "test_flow_spread_with_results"),
        [
            ret(
                "a",
                '{"config": {"host": "localhost", "port": 3000}, "tags": ["api", "v1"], "user": {"name": "Alice", "role": "admin"}}',
            ),
            py(
                "b",
                "def main(**kw):\n    return kw",
                merged_config=js("{...results.a.config, timeout: 5000}"),
                all_tags=js("[...results.a.tags, 'production']"),
                full_user=js("{...results.a.user, permissions: ['read', 'write']}"),
                max_port=js("Math.max(...[results.a.config.port, 8080, 4000])"),
                rest_config=js(
                    """
                    const {host, ...rest} = results.a.config;
                    return rest;
                    """
                ),
                combined=js("{config: {...results.a.config}, tags: [...results.a.tags], source: 'flow'}"),
            ),
        ],
        result={
            "merged_config": {"host": "localhost", "port": 3000, "timeout": 5000},
            "all_tags": ["api", "v1", "production"],
            "full_user": {"name": "Alice", "role": "admin", "permissions": ["read", "write"]},
            "max_port": 8080,
            "rest_config": {"port": 3000},
            "combined": {
                "config": {"host": "localhost", "port": 3000},
                "tags": ["api", "v1"],
                "source": "flow",
            },
        },
    ),
    Case(
        "nested_forloop_results_access",
        (F, "test_flow_nested_forloop_results_access"),
        [
            ret("a", '{"multiplier": 10, "categories": ["cat1", "cat2"]}'),
            forloop(
                "outer",
                js("results.a.categories"),
                [
                    ret(
                        "b",
                        '{"category": category, "items": [{"id": f"{category}-{n}", "value": n * multiplier} for n in (1, 2)]}',
                        category=js("flow_input.iter.value"),
                        multiplier=js("results.a.multiplier"),
                    ),
                    ret(
                        "c",
                        '{"category": category, "original_mult": original_mult, "item_count": len(items),'
                        ' "total_value": sum(i["value"] for i in items)}',
                        items=js("results.b.items"),
                        category=js("results.b.category"),
                        original_mult=js("results.a.multiplier"),
                    ),
                ],
            ),
        ],
        result=[
            {"category": "cat1", "original_mult": 10, "item_count": 2, "total_value": 30},
            {"category": "cat2", "original_mult": 10, "item_count": 2, "total_value": 30},
        ],
    ),
    Case(
        "results_non_existent_step",
        (F, "test_flow_results_non_existent_step"),
        [
            ret("a", '{"value": 42}'),
            py(
                "b",
                "def main(**kw):\n    return kw",
                existing=js("results.a.value"),
                non_existent=js("results.nonexistent"),
                non_existent_with_default=js("results.nonexistent ?? 'default_value'"),
                non_existent_nested=js("results.nonexistent?.value ?? 'nested_default'"),
            ),
        ],
        check=lambda r: _subset(
            r,
            {
                "existing": 42,
                "non_existent": None,
                "non_existent_with_default": "default_value",
                "non_existent_nested": "nested_default",
            },
        ),
    ),
    Case(
        "env_skip_if_inside_branchone",
        (F, "test_flow_env_skip_if_inside_branchone"),
        [
            branchone(
                "router",
                [
                    (
                        "true",
                        [
                            ret("branch_marker", '{"marker": "branch-marker"}'),
                            with_(ret("inner", '{"ran": True}'), skip_if={"expr": "flow_env.SKIP === true"}),
                        ],
                    )
                ],
                [],
            ),
            ret("after", '{"prev": prev}', prev=js("previous_result")),
        ],
        flow_extra={"flow_env": {"SKIP": True}},
        result={"prev": {"marker": "branch-marker"}},
    ),
    Case(
        "env_skip_if_nested_branchone",
        (F, "test_flow_env_skip_if_nested_branchone"),
        [
            branchone(
                "outer_router",
                [
                    (
                        "true",
                        [
                            branchone(
                                "inner_router",
                                [
                                    (
                                        "true",
                                        [
                                            ret("inner_marker", '{"marker": "inner"}'),
                                            with_(
                                                ret("leaf", '{"ran": True}'),
                                                skip_if={"expr": "flow_env.SKIP === true"},
                                            ),
                                        ],
                                    )
                                ],
                                [],
                            )
                        ],
                    )
                ],
                [],
            ),
            ret("after", '{"prev": prev}', prev=js("previous_result")),
        ],
        flow_extra={"flow_env": {"SKIP": True}},
        result={"prev": {"marker": "inner"}},
    ),
    Case(
        "env_complex_input_transform_in_branch",
        (F, "test_flow_env_complex_input_transform_in_branch"),
        [
            branchone(
                "router",
                [
                    (
                        "true",
                        [
                            ret(
                                "compute",
                                '{"value": value}',
                                value=js("Math.min(flow_env.LIMIT, 10) + flow_env.OFFSET"),
                            )
                        ],
                    )
                ],
                [],
            )
        ],
        flow_extra={"flow_env": {"LIMIT": 7, "OFFSET": 3}},
        result={"value": 10},
    ),
    Case(
        "env_skip_if_in_parallel_forloop",
        (F, "test_flow_env_skip_if_in_parallel_forloop"),
        [
            forloop(
                "loop",
                js("[1, 2]"),
                [
                    ret("marker", '{"marker": i}', i=js("flow_input.iter.value")),
                    with_(ret("leaf", '{"ran": True}'), skip_if={"expr": "flow_env.SKIP === true"}),
                ],
                parallel=True,
            )
        ],
        flow_extra={"flow_env": {"SKIP": True}},
        result=[{"marker": 1}, {"marker": 2}],
    ),
    Case(
        "env_imported_flow_uses_own_env",
        (F, "test_flow_env_imported_flow_uses_own_env"),
        [
            {
                "id": "import",
                "value": {"type": "flow", "path": "u/admin/parity_imported_with_env", "input_transforms": {}},
            }
        ],
        subflows={
            "u/admin/parity_imported_with_env": {
                "modules": [ret("leaf", '{"key": key}', key=js("flow_env.KEY"))],
                "flow_env": {"KEY": "imported"},
            }
        },
        flow_extra={"flow_env": {"KEY": "parent"}},
        result={"key": "imported"},
    ),
    Case(
        "env_imported_flow_inherits_when_unset",
        (F, "test_flow_env_imported_flow_inherits_when_unset"),
        [
            {
                "id": "import",
                "value": {"type": "flow", "path": "u/admin/parity_imported_no_env", "input_transforms": {}},
            }
        ],
        subflows={
            "u/admin/parity_imported_no_env": {
                "modules": [
                    ret("marker", '{"marker": "from-imported"}'),
                    with_(ret("leaf", '{"ran": True}'), skip_if={"expr": "flow_env.KEY === 'parent'"}),
                ]
            }
        },
        flow_extra={"flow_env": {"KEY": "parent"}},
        result={"marker": "from-imported"},
    ),
    Case(
        "env_imported_flow_with_nested_branch",
        (F, "test_flow_env_imported_flow_with_nested_branch"),
        [
            {
                "id": "import",
                "value": {
                    "type": "flow",
                    "path": "u/admin/parity_imported_nested_branch",
                    "input_transforms": {},
                },
            }
        ],
        subflows={
            "u/admin/parity_imported_nested_branch": {
                "modules": [
                    branchone(
                        "router",
                        [
                            (
                                "true",
                                [
                                    ret("marker", '{"marker": "from-imported-branch"}'),
                                    with_(
                                        ret("leaf", '{"ran": True}'),
                                        skip_if={"expr": "flow_env.KEY === 'imported'"},
                                    ),
                                ],
                            )
                        ],
                        [],
                    )
                ],
                "flow_env": {"KEY": "imported"},
            }
        },
        flow_extra={"flow_env": {"KEY": "parent"}},
        result={"marker": "from-imported-branch"},
    ),
    *(
        Case(
            f"env_marks_sub_flows_{label}",
            (F, "test_flow_env_marks_sub_flows_only_without_ancestor_env"),
            [
                forloop(
                    "outer",
                    js("[1]"),
                    [
                        {
                            "id": "import",
                            "value": {
                                "type": "flow",
                                "path": "u/admin/parity_imported_loop_no_env",
                                "input_transforms": {},
                            },
                        }
                    ],
                )
            ],
            subflows={
                "u/admin/parity_imported_loop_no_env": {
                    "modules": [
                        forloop(
                            "inner",
                            js("[1, 2]"),
                            [
                                ret("leaf", "key", key=js("flow_env.KEY")),
                                ret("tail", "prev", prev=js("results.leaf")),
                            ],
                            parallel=True,
                        )
                    ]
                }
            },
            flow_extra={"flow_env": env} if env else {},
            result=[[expected, expected]],
        )
        for label, env, expected in (
            ("with_root_env", {"KEY": "from-root"}, "from-root"),
            ("no_env", None, None),
        )
    ),
    Case(
        "env_in_stop_after_if",
        (F, "test_flow_env_in_stop_after_if"),
        [
            with_(
                ret("first", '{"stage": "first"}'),
                stop_after_if={"expr": "flow_env.STOP === true", "skip_if_stopped": True},
            ),
            ret("second", '{"stage": "second"}'),
        ],
        flow_extra={"flow_env": {"STOP": True}},
        check=lambda r: _eq(r["stage"], "first"),
    ),
    *(
        Case(
            f"stop_after_if_error_include_result_{flag}".lower(),
            (F, "test_stop_after_if_error_include_result"),
            [
                with_(
                    ret("step", '{"userErrors": ["email taken"], "ok": False}'),
                    stop_after_if={
                        "expr": "true",
                        "skip_if_stopped": False,
                        "error_message": "API returned userErrors",
                        "error_include_result": flag,
                    },
                )
            ],
            success=False,
            check=check,
        )
        for flag, check in (
            (
                True,
                lambda r: _eq(
                    (r["error"]["name"], r["error"]["message"], r["error"].get("result")),
                    (
                        "EarlyStopError",
                        "API returned userErrors",
                        {"userErrors": ["email taken"], "ok": False},
                    ),
                ),
            ),
            (False, lambda r: _eq((r["error"]["name"], "result" in r["error"]), ("EarlyStopError", False))),
        )
    ),
    Case(
        "env_in_retry_if",
        (F, "test_flow_env_in_retry_if"),
        [
            with_(
                py("fails", "def main():\n    raise Exception('nope')"),
                retry={
                    "constant": {"attempts": 2, "seconds": 0},
                    "retry_if": {"expr": "flow_env.SHOULD_RETRY === true"},
                },
            )
        ],
        flow_extra={"flow_env": {"SHOULD_RETRY": True}},
        success=False,
        status_check=lambda st: _eq(len(st["modules"][0].get("failed_retries") or []) > 0, True),
    ),
    Case(
        "env_in_stop_after_all_iters_if",
        (F, "test_flow_env_in_stop_after_all_iters_if"),
        [
            with_(
                forloop(
                    "loop", js("[1, 2, 3]"), [ret("iter_step", '{"iter": i}', i=js("flow_input.iter.value"))]
                ),
                stop_after_all_iters_if={"expr": "flow_env.STOP === true", "skip_if_stopped": True},
            ),
            ret("after", '{"stage": "after-loop"}'),
        ],
        flow_extra={"flow_env": {"STOP": True}},
        check=lambda r: _eq(isinstance(r, dict) and r.get("stage") == "after-loop", False),
    ),
    Case(
        "stop_after_all_iters_if_error_includes_result",
        (F, "test_stop_after_all_iters_if_error_includes_result"),
        [
            with_(
                forloop(
                    "loop", js("[1, 2, 3]"), [ret("iter_step", '{"iter": i}', i=js("flow_input.iter.value"))]
                ),
                stop_after_all_iters_if={
                    "expr": "true",
                    "skip_if_stopped": False,
                    "error_message": "loop failed",
                    "error_include_result": True,
                },
            )
        ],
        success=False,
        check=lambda r: _eq(
            (r["error"]["name"], r["error"]["message"], [x["iter"] for x in r["error"]["result"]]),
            ("EarlyStopError", "loop failed", [1, 2, 3]),
        ),
    ),
    Case(
        "expr_step_tag",
        (F, "test_flow_expr_step_tag"),
        [
            ret("a", '{"lang": "bun"}'),
            with_value(ret("b", '{"lang": "bun"}'), tag="$flow_expr[results.a.lang]"),
            with_value(ret("c", '{"lang": "bun"}'), tag="nobody-serves-$flow_expr[a.lang]"),
        ],
        success=False,
        check=lambda r: _eq(
            "Could not resolve the step tag `nobody-serves-$flow_expr[a.lang]`" in r["error"]["message"], True
        ),
    ),
]


def _eq(actual: object, expected: object) -> None:
    assert actual == expected, f"{actual!r} != {expected!r}"


def _subset(actual: dict[str, object], expected: dict[str, object]) -> None:
    """Windmill's `result["k"]` of serde_json: a missing key reads as null."""
    for key, value in expected.items():
        _eq(actual.get(key), value)
