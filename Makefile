# The two commands of the README are `make run` and `make test`; see scripts/stack.sh.
STACK := bash scripts/stack.sh

.PHONY: run up down test lint bench install status i18n cluster-up cluster-down cluster-status cluster-test
run:      ## install what is missing, start the stack, serve http://127.0.0.1:5000 (foreground)
	@$(STACK) run
up:       ## the same stack in the background; returns once status_show answers
	@$(STACK) up
down:     ## stop what `make up` / `make run` started
	@$(STACK) down
test:     ## prepare the test database and Solr core, run the whole suite
	@$(STACK) test $(PYTEST_ARGS)
lint:     ## ruff: lint and format check of the whole tree (rules in pyproject.toml)
	@$(STACK) install
	@.venv/bin/ruff check --no-cache . && .venv/bin/ruff format --no-cache --check .
bench:    ## benchmarks (ratios against stock CKAN measured in the same run)
	@$(STACK) bench $(BENCH_ARGS)
install:  ## Debian packages, .venv and Solr jars only
	@$(STACK) install
status:
	@$(STACK) status
CLUSTER := bash scripts/cluster.sh
cluster-up:     ## the portal as several machines run it, on this one (scripts/cluster.sh; README "Cluster")
	@$(CLUSTER) up
cluster-down:   ## stop every node of the cluster
	@$(CLUSTER) down
cluster-status: ## one JSON document: every node's role, address and process id
	@$(CLUSTER) status
cluster-test:   ## the fault tests (tests_cluster/): cluster up, nodes killed, cluster down
	@$(CLUSTER) test $(PYTEST_ARGS)
I18N := ckanext/metropole/i18n
i18n:     ## extract the messages (.pot: Python, templates, schema/vocabulary YAML), compile the French catalogue (.po -> .mo)
	@.venv/bin/pybabel -q extract -F babel.cfg --no-location --sort-output --omit-header \
		-o $(I18N)/ckanext-metropole.pot .
	@.venv/bin/pybabel compile -d $(I18N) -D ckanext-metropole -l fr --statistics
