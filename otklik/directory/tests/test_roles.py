from otklik.directory.models import Role
from otklik.directory.roles import scope_of


def test_executor_scope_is_their_own_organization(cast):
    scope = scope_of(cast.housing)
    assert scope.organization_ids == {cast.housing_org.pk}
    assert scope.responsible_org_ids == set()


def test_org_responsible_scope_covers_organizations_below(cast):
    scope = scope_of(cast.housing_chief)
    assert scope.organization_ids == {cast.housing_org.pk, cast.water_org.pk}
    assert scope.responsible_org_ids == {cast.housing_org.pk, cast.water_org.pk}


def test_specialist_sees_the_whole_municipality(cast):
    scope = scope_of(cast.specialist)
    assert scope.municipality_wide_ids() == {cast.municipality.pk}
    assert scope.has_role(cast.municipality.pk, Role.SPECIALIST)
    assert not scope.has_role(cast.other_municipality.pk, Role.SPECIALIST)


def test_global_observer_has_observer_role_everywhere(cast):
    scope = scope_of(cast.observer)
    assert scope.has_role(cast.other_municipality.pk, Role.OBSERVER)
    assert not scope.has_role(cast.municipality.pk, Role.SPECIALIST)


def test_outsider_has_no_roles(cast):
    scope = scope_of(cast.outsider)
    assert scope.all_roles == set()
    assert scope.organization_ids == set()
