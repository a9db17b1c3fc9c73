"""Permission labels: the métropole's reviewers read their communes' datasets in review.

The datasets stay private (CKAN keeps them from anonymous users, search, DCAT and the API);
a submitted or returned dataset also carries ``review-<métropole id>``, a label the
métropole's reviewers hold, so they can open it, find it in the search and see its activity.
"""

from __future__ import annotations

from ckan.lib.plugins import DefaultPermissionLabels

from . import policy


class ReviewPermissionLabels(DefaultPermissionLabels):
    def get_dataset_labels(self, dataset_obj):
        labels = super().get_dataset_labels(dataset_obj)
        if dataset_obj.private and dataset_obj.extras.get("review_state") in (
            policy.SUBMITTED,
            policy.RETURNED,
        ):
            metropole = policy.metropole_of(dataset_obj.owner_org)
            if metropole is not None:
                labels.append(f"review-{metropole.id}")
        return labels

    def get_user_dataset_labels(self, user_obj):
        labels = super().get_user_dataset_labels(user_obj)
        if user_obj and not user_obj.is_anonymous:
            labels.extend(f"review-{g.id}" for g in policy.reviewed_metropoles(user_obj))
        return labels
